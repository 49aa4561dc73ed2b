using System.CommandLine;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;
using Spectre.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu info MODEL: architecture, shapes, tensors, tokenizer and chat template of a GGUF file.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("MODEL") { Description = "a GGUF file" };
        var tensors = new Option<bool>("--tensors") { Description = "list every tensor (by default one row per tensor kind)" };
        var command = new Command("info", "Show what a GGUF model file holds") { path, tensors };
        command.SetAction(parse => CliErrors.Run(() => Show(parse.GetValue(path)!, parse.GetValue(tensors))));
        return command;
    }

    static int Show(string path, bool allTensors)
    {
        using var file = GgufFile.Open(path);
        var console = AnsiConsole.Console;
        console.MarkupLine($"[bold]{Markup.Escape(path)}[/]: GGUF v{file.Version}, {file.Tensors.Count} tensors, {file.Metadata.Count} metadata keys, {Size(file.FileLength)}");

        if (file.Metadata.Contains("general.architecture"))
            ShowModel(console, file, allTensors);
        ShowTokenizer(console, file.Metadata);
        return 0;
    }

    static void ShowModel(IAnsiConsole console, GgufFile file, bool allTensors)
    {
        var model = ModelDescriptionReader.Read(file);
        var hp = model.Hyperparameters;
        var table = new Table().AddColumns("", "").HideHeaders().Border(TableBorder.Rounded);
        void Row(string key, object value) => table.AddRow(key, Markup.Escape(value.ToString() ?? ""));
        Row("name", model.Name ?? "(none)");
        Row("architecture", $"{model.ArchitectureName} ({model.Architecture.Description})");
        Row("layers", hp.BlockCount);
        Row("hidden / FFN", $"{hp.EmbeddingLength} / {hp.FeedForwardLength}");
        Row("heads / kv heads / head dim", $"{hp.HeadCount} / {hp.KeyValueHeadCount} / {hp.HeadDim}");
        Row("vocabulary", hp.VocabSize);
        Row("context", hp.ContextLength);
        Row("RoPE", $"{model.Architecture.Rope}, base {hp.RopeFreqBase}, {hp.RopeDimensions} dims");
        Row("FFN activation", model.Architecture.Activation);
        Row("RMSNorm eps", hp.RmsNormEpsilon);
        Row("ternary weights", model.TernaryType);
        Row("embedding / output", $"{model.TokenEmbedding.Type} / {(model.TiedEmbedding ? "tied" : model.Output.Type.ToString())}");
        Row("weights read per token", Size(model.WeightBytesPerToken));
        console.Write(table);

        var tensors = new Table().Border(TableBorder.Simple).AddColumns("tensor", "type", "shape", "size");
        var rows = allTensors
            ? file.Tensors.Select(t => (t.Name, t.Type.ToString(), t.Shape, t.ByteSize, Count: 1))
            : file.Tensors.GroupBy(t => System.Text.RegularExpressions.Regex.Replace(t.Name, @"^blk\.\d+\.", "blk.*."))
                  .Select(g => (g.Key, g.First().Type.ToString(), g.First().Shape, g.Sum(t => t.ByteSize), Count: g.Count()));
        foreach (var (name, type, shape, bytes, count) in rows)
            tensors.AddRow(Markup.Escape(count > 1 ? $"{name} ×{count}" : name), type, shape, Size(bytes));
        console.Write(tensors);
    }

    static void ShowTokenizer(IAnsiConsole console, GgufMetadata m)
    {
        if (!m.Contains("tokenizer.ggml.model")) return;
        m.TryGetString("tokenizer.ggml.pre", out var pre);
        int tokens = m.Contains("tokenizer.ggml.tokens") ? m.GetStringArray("tokenizer.ggml.tokens").Length : 0;
        m.TryGetInteger("tokenizer.ggml.bos_token_id", out long bos);
        m.TryGetInteger("tokenizer.ggml.eos_token_id", out long eos);
        console.WriteLine($"tokenizer: {m.GetString("tokenizer.ggml.model")}, pre-tokenizer {pre ?? "(none)"}, {tokens} tokens, bos {bos}, eos {eos}");
        if (m.TryGetString("tokenizer.chat_template", out var template))
        {
            var firstLine = template!.Split('\n')[0];
            console.WriteLine($"chat template ({template.Length} chars): {(firstLine.Length > 100 ? firstLine[..100] + "..." : firstLine)}");
        }
    }

    static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}
