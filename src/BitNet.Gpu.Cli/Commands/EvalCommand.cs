using System.CommandLine;
using System.Globalization;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu eval --tokens "ID ID ..." --dump-logits FILE: raw little-endian float32 logits [tokens × vocab].</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var tokens = new Option<string>("--tokens") { Description = "token ids separated by spaces", Required = true };
        var dump = new Option<string>("--dump-logits") { Description = "file for the logits (float32, tokens × vocab)", Required = true };
        var command = new Command("eval", "Run token ids through the model and write every position's logits") { tokens, dump };
        engine.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var ids = ParseIds(parse.GetValue(tokens)!);
            using var model = engine.Load(parse);
            int vocab = model.Graph.VocabSize;
            foreach (int id in ids)
                if (id >= vocab) throw new UsageException($"--tokens: id {id} is out of range (vocabulary has {vocab})");
            if (ids.Length > model.Graph.ContextLength)
                throw new UsageException($"--tokens: {ids.Length} tokens do not fit the context of {model.Graph.ContextLength} (use --ctx)");

            var logits = new float[(long)ids.Length * vocab];
            model.Graph.Forward(ids, logits, allLogits: true);
            using (var stream = File.Create(parse.GetValue(dump)!))
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(logits.AsSpan()));
            Console.Error.WriteLine($"eval: wrote {ids.Length} × {vocab} float32 logits to {parse.GetValue(dump)}");
            return 0;
        }));
        return command;
    }

    internal static int[] ParseIds(string text)
    {
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException("--tokens is empty");
        return parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int id)
            ? id : throw new UsageException($"--tokens: '{p}' is not a token id")).ToArray();
    }
}
