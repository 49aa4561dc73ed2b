using System.CommandLine;
using System.Globalization;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// bitnet-gpu eval --tokens "ID ID ..." --dump-logits FILE: raw little-endian float32 logits [tokens × vocab];
/// --dump-tensors DIR also writes every named intermediate (attn_norm-0.f32, ..., result_output.f32, and index.tsv with
/// name, rows, cols), for layer-by-layer comparison with another engine.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var tokens = new Option<string>("--tokens") { Description = "token ids separated by spaces", Required = true };
        var dump = new Option<string>("--dump-logits") { Description = "file for the logits (float32, tokens × vocab)", Required = true };
        var tensors = new Option<string>("--dump-tensors") { Description = "folder for every named intermediate (float32, tokens × width, llama.cpp's names)" };
        var command = new Command("eval", "Run token ids through the model and write every position's logits") { tokens, dump, tensors };
        engine.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var ids = ParseIds(parse.GetValue(tokens)!);
            string logitsPath = OutputPath.ForFile(parse.GetValue(dump), "--dump-logits");
            string? tensorFolder = parse.GetValue(tensors) is { } folder ? OutputPath.ForFolder(folder, "--dump-tensors") : null;
            using var model = engine.Load(parse);
            int vocab = model.Graph.VocabSize;
            foreach (int id in ids)
                if (id >= vocab) throw new UsageException($"--tokens: id {id} is out of range (vocabulary has {vocab})");
            if (ids.Length > model.Graph.ContextLength)
                throw new UsageException($"--tokens: {ids.Length} tokens do not fit the context of {model.Graph.ContextLength} (use --ctx)");

            System.Text.StringBuilder? index = null;
            if (tensorFolder is not null)
            {
                if (ids.Length > model.Graph.MaxBatch)
                    throw new UsageException($"--dump-tensors needs the {ids.Length} tokens in one batch: use --batch-size {ids.Length} or more");
                index = DumpIntermediates(model, tensorFolder);
            }

            var logits = new float[(long)ids.Length * vocab];
            model.Graph.Forward(ids, logits, allLogits: true);
            if (index is not null)
            {
                File.WriteAllText(Path.Combine(tensorFolder!, "index.tsv"), index.ToString());
                Console.Error.WriteLine($"eval: wrote the intermediates to {tensorFolder} (list in index.tsv)");
            }
            using (var stream = File.Create(logitsPath))
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(logits.AsSpan()));
            Console.Error.WriteLine($"eval: wrote {ids.Length} × {vocab} float32 logits to {logitsPath}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Has the graph write each named intermediate to folder/name.f32 as it is computed; returns the index.tsv lines
    /// (name, rows, cols), filled as the intermediates arrive and written once the run is over.
    /// </summary>
    static System.Text.StringBuilder DumpIntermediates(Engine.Hosting.LoadedModel model, string folder)
    {
        var index = new System.Text.StringBuilder("name\trows\tcols\n");
        model.Graph.Inspect = (name, buffer, rows) =>
        {
            var values = new float[(long)rows * buffer.Cols];
            model.Backend.Read(buffer, rows, values);
            using (var file = File.Create(Path.Combine(folder, name + ".f32")))
                file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            index.Append($"{name}\t{rows}\t{buffer.Cols}\n");
        };
        return index;
    }

    internal static int[] ParseIds(string text)
    {
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException("--tokens is empty");
        return parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int id)
            ? id : throw new UsageException($"--tokens: '{p}' is not a token id")).ToArray();
    }
}
