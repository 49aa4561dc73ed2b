using BitNet.Gpu.Engine.Generation;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// What a generation's speed measures, in words. The first generated token is sampled from the prompt's logits (its time
/// is the prompt's), so the generation time holds one model run per token after the first, and the rate counts those
/// (<see cref="GenerationStats.TimedTokens"/>): the count printed next to a rate is always the count it divides (as
/// llama.cpp's "eval time ... runs").
/// </summary>
static class GenerationSpeed
{
    /// <summary>"the 7 after the first in 25.6 ms = 273.2 tok/s", or why there is no speed.</summary>
    public static string Describe(GenerationStats stats)
    {
        if (stats.TimedTokens == 0)
            return stats.GeneratedTokens == 0 ? "nothing to time" : "no speed: the only token comes from the prompt's logits";
        // Milliseconds from TotalSeconds, as before: the printed figures stay exactly the same.
        double milliseconds = stats.GenerationTime.TotalSeconds * 1000;
        return $"the {stats.TimedTokens} after the first in {milliseconds:F1} ms = {stats.GenerationTokensPerSecond:F1} tok/s";
    }
}
