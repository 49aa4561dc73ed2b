using System.CommandLine;
using System.Text.Json;
using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Scheduling;
using Spectre.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// bitnet-gpu embed TEXT... | -f FILE: each text's embedding, its tokens' final hidden states pooled into one vector (as
/// POST /v1/embeddings gives it). Shown as a table with the texts' cosine similarities; --json prints the whole vectors
/// in OpenAI's embeddings list.
/// </summary>
public static class EmbedCommand
{
    /// <summary>Texts embedded at once (slots) at most.</summary>
    const int MostSlots = 4;

    public static Command Create()
    {
        var engine = new EngineOptions();
        var texts = new Argument<string[]>("TEXT") { Description = "the texts to embed", Arity = ArgumentArity.ZeroOrMore };
        var file = new Option<string?>("--file", "-f") { Description = "embed each non-empty line of this file (UTF-8)" };
        var pooling = new Option<string>("--pooling") { Description = "mean (of every token's hidden state) or last (the last token's)", DefaultValueFactory = _ => "mean" };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "keep the pooled vector's length (default: scaled to unit length)" };
        var json = new Option<bool>("--json") { Description = "print the vectors as JSON, in OpenAI's embeddings list" };
        var command = new Command("embed", "Print the embeddings of texts and how similar they are") { texts, file, pooling, noNormalize, json };
        engine.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var pool = ReadPooling(parse.GetValue(pooling)!);
            var inputs = Inputs(parse.GetValue(texts) ?? [], parse.GetValue(file));
            bool normalize = !parse.GetValue(noNormalize);

            var (path, _) = engine.Read(parse);
            using var model = engine.Load(parse, adjust: load => load with { Parallel = Math.Min(inputs.Length, MostSlots) });
            var tokens = inputs.Select(model.Tokenizer.EncodePrompt).ToArray();
            for (int i = 0; i < tokens.Length; i++)
            {
                if (tokens[i].Length == 0) throw new UsageException($"text {i + 1} has no tokens");
                if (tokens[i].Length > model.Graph.ContextLength)
                    throw new UsageException($"text {i + 1} is {TokenCount.Of(tokens[i].Length)}, longer than the context of {model.Graph.ContextLength} (use --ctx or a shorter text)");
            }
            var vectors = Progress.Run($"embedding {inputs.Length} {(inputs.Length == 1 ? "text" : "texts")}", report => Embed(model, tokens, pool, normalize, report));

            if (parse.GetValue(json)) WriteJson(vectors, tokens, Path.GetFileNameWithoutExtension(path));
            else WriteTables(inputs, tokens, vectors);
            return 0;
        }));
        return command;
    }

    static string[] Inputs(string[] texts, string? file)
    {
        if (texts.Length > 0 && file is not null) throw new UsageException("give TEXT arguments or --file, not both");
        var inputs = file is null ? texts : Utf8TextFile.Read(file).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        if (inputs.Length == 0) throw new UsageException(file is null ? "embed needs TEXT arguments or --file PATH" : $"{file} has no non-empty line to embed");
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i].Length == 0) throw new UsageException($"text {i + 1} is empty");
        return inputs;
    }

    /// <summary>The value of a --pooling option (embed's, serve's): mean or last; another is a usage error naming it.</summary>
    internal static EmbeddingPooling ReadPooling(string name) => EmbeddingPoolingNames.Parse(name)
        ?? throw new UsageException($"--pooling '{name}' is not known (choose from {string.Join(", ", EmbeddingPoolingNames.All)})");

    /// <summary>Every text through the scheduler, as many at once as there are slots, reporting each one done.</summary>
    static float[][] Embed(LoadedModel model, int[][] tokens, EmbeddingPooling pooling, bool normalize, Action<int, int, string> report)
    {
        using var scheduler = new InferenceScheduler(model);
        return scheduler.EmbedAllAsync(tokens, pooling, normalize, embedded: done => report(done, tokens.Length, "")).GetAwaiter().GetResult();
    }

    static void WriteTables(string[] texts, int[][] tokens, float[][] vectors)
    {
        var table = new Table().AddColumns("#", "tokens", "text", "first values", "length");
        for (int i = 0; i < texts.Length; i++)
        {
            double length = Math.Sqrt(vectors[i].Sum(v => (double)v * v));
            table.AddRow($"{i + 1}", $"{tokens[i].Length}", Markup.Escape(Shortened(texts[i])),
                         string.Join(" ", vectors[i].Take(4).Select(v => v.ToString("0.0000"))) + " …", $"{length:0.000}");
        }
        AnsiConsole.Write(table);
        Console.Out.WriteLine($"{vectors[0].Length} values each");
        if (texts.Length < 2) return;

        var similarity = new Table().AddColumn("cosine");
        for (int j = 0; j < texts.Length; j++) similarity.AddColumn($"{j + 1}");
        for (int i = 0; i < texts.Length; i++)
            similarity.AddRow([$"{i + 1}", .. Enumerable.Range(0, texts.Length).Select(j => $"{Cosine(vectors[i], vectors[j]):0.000}")]);
        AnsiConsole.Write(similarity);
    }

    static string Shortened(string text)
    {
        string line = text.ReplaceLineEndings(" ");
        return line.Length <= 40 ? line : line[..39] + "…";
    }

    /// <summary>cos(a, b) = a·b / (‖a‖ ‖b‖); 0 when either is zero.</summary>
    static double Cosine(float[] a, float[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : dot / Math.Sqrt(aa * bb);
    }

    static void WriteJson(float[][] vectors, int[][] tokens, string model)
    {
        using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = false });
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        for (int i = 0; i < vectors.Length; i++)
        {
            writer.WriteStartObject();
            writer.WriteString("object", "embedding");
            writer.WriteNumber("index", i);
            writer.WriteStartArray("embedding");
            foreach (float v in vectors[i]) writer.WriteNumberValue(v);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteString("model", model);
        int total = tokens.Sum(t => t.Length);
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", total);
        writer.WriteNumber("total_tokens", total);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        Console.Out.WriteLine();
    }
}
