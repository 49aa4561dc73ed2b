namespace BitNet.Gpu;

/// <summary>
/// A finished completion: its text and how it went.
/// <code>var result = await model.CompleteAsync("Hello"); Console.WriteLine($"{result.Text} ({result.FinishReason})");</code>
/// </summary>
/// <param name="Text">The generated text (without a stop string that ended it).</param>
/// <param name="Stats">Token counts, finish reason and times.</param>
public sealed record CompletionResult(string Text, CompletionStats Stats)
{
    /// <summary>Tokens in the prompt.</summary>
    public int PromptTokens => Stats.PromptTokens;

    /// <summary>Tokens generated.</summary>
    public int CompletionTokens => Stats.CompletionTokens;

    /// <summary>"stop" or "length" (see <see cref="CompletionStats.FinishReason"/>).</summary>
    public string FinishReason => Stats.FinishReason;
}
