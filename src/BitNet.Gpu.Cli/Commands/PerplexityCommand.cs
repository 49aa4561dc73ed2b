using System.CommandLine;
using BitNet.Gpu.Engine.Evaluation;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu perplexity -m MODEL -f TEXT [--ctx N]: perplexity over a text file, as llama-perplexity computes it.</summary>
public static class PerplexityCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var file = new Option<string>("--file", "-f") { Description = "the text file", Required = true };
        var chunks = new Option<int>("--chunks") { Description = "stop after this many chunks (0 = all)" };
        var command = new Command("perplexity", "Perplexity of a model over a text file") { file, chunks };
        engine.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string text = File.ReadAllText(parse.GetValue(file)!);
            using var model = engine.Load(parse);
            var result = Perplexity.Compute(model, text, parse.GetValue(chunks),
                (chunk, total, ppl) => Console.Error.WriteLine($"[{chunk}/{total}] running perplexity {ppl:F4}"));
            Console.Out.WriteLine($"perplexity: {result.Perplexity:F4} over {result.ScoredTokens} tokens in {result.Chunks} chunks of {result.ChunkLength} (±{result.StandardError:F4})");
            return 0;
        }));
        return command;
    }
}
