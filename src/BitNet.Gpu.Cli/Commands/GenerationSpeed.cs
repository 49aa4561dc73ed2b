using BitNet.Gpu.Engine.Generation;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// What a generation's speed measures, in words. The first generated token is sampled from the prompt's logits (its time
/// is the prompt's), so the generation time holds one model run per token after the first, and the rate counts those:
/// the count printed next to a rate is always the count it divides (as llama.cpp's "eval time ... runs").
/// </summary>
static class GenerationSpeed
{
    /// <summary>The tokens the generation time covers a model run for.</summary>
    public static int TimedTokens(GenerationStats stats) => Math.Max(stats.GeneratedTokens - 1, 0);

    /// <summary>"the 7 after the first in 25.6 ms = 273.2 tok/s", or why there is no speed.</summary>
    public static string Describe(GenerationStats stats)
    {
        int timed = TimedTokens(stats);
        if (timed == 0)
            return stats.GeneratedTokens == 0 ? "nothing to time" : "no speed: the only token comes from the prompt's logits";
        double seconds = Math.Max(stats.GenerationTime.TotalSeconds, 1e-9);
        return $"the {timed} after the first in {seconds * 1000:F1} ms = {timed / seconds:F1} tok/s";
    }
}
