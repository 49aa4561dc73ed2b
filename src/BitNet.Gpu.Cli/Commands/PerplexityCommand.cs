using System.CommandLine;
using BitNet.Gpu.Engine.Evaluation;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu perplexity -m MODEL -f TEXT [--ctx N]: perplexity over a text file, as llama-perplexity computes it.</summary>
public static class PerplexityCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var file = new Option<string>("--file", "-f") { Description = "the text file (UTF-8)", Required = true };
        var chunks = new Option<int>("--chunks") { Description = "stop after this many chunks (0 = all)" };
        var command = new Command("perplexity", "Perplexity of a model over a text file") { file, chunks };
        engine.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int maxChunks = parse.GetValue(chunks);
            if (maxChunks < 0) throw new UsageException($"--chunks must be 0 (all) or more, got {maxChunks}");
            // A --ctx too short is known before the model loads (0 means the model's own context, checked once loaded).
            if (parse.GetValue(engine.Context) is > 0 and int context) Perplexity.CheckContext(context);
            string text = Utf8TextFile.Read(parse.GetValue(file)!);
            using var model = engine.Load(parse);
            var result = Perplexity.Compute(model, text, maxChunks,
                (chunk, total, ppl) => Console.Error.WriteLine($"[{chunk}/{total}] running perplexity {ppl:F4}"));
            Console.Out.WriteLine($"perplexity: {result.Perplexity:F4} over {TokenCount.Of(result.ScoredTokens)} in {(result.Chunks == 1 ? "1 chunk" : $"{result.Chunks} chunks")} of {result.ChunkLength} (±{result.StandardError:F4})");
            return 0;
        }));
        return command;
    }
}
