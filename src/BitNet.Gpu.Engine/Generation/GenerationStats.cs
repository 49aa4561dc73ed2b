namespace BitNet.Gpu.Engine.Generation;

/// <summary>Counts and times of one generation (prompt processing and token generation separately).</summary>
public sealed record GenerationStats(int PromptTokens, TimeSpan PromptTime, int GeneratedTokens, TimeSpan GenerationTime, string StopReason)
{
    public double PromptTokensPerSecond => PromptTokens / Math.Max(PromptTime.TotalSeconds, 1e-9);

    /// <summary>
    /// The tokens <see cref="GenerationTime"/> covers a model run for: all but the first, which is sampled from the
    /// prompt's logits (its time is the prompt's). The count the generation speed divides, for whoever prints it.
    /// </summary>
    public int TimedTokens => Math.Max(GeneratedTokens - 1, 0);

    /// <summary>Tokens per second of the generation loop: <see cref="TimedTokens"/> over <see cref="GenerationTime"/>.</summary>
    public double GenerationTokensPerSecond => TimedTokens / Math.Max(GenerationTime.TotalSeconds, 1e-9);
}
