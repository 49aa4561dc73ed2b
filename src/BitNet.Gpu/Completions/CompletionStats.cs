namespace BitNet.Gpu;

/// <summary>
/// How a completion went: token counts (as an OpenAI-style usage), why it ended, and its times.
/// <code>var stats = await stream.Completion; Console.WriteLine($"{stats.CompletionTokens} tokens, {stats.FinishReason}");</code>
/// </summary>
/// <param name="PromptTokens">Tokens in the prompt (all of them, including a prefix reused from the cache).</param>
/// <param name="CompletionTokens">Tokens generated (an end-of-text token counts; a stop string's tokens count).</param>
/// <param name="FinishReason">"stop" (end of text or a stop string) or "length" (the token limit or the end of the context).</param>
/// <param name="StopReason">The engine's reason: "end of text", "stop string S", "end of JSON", "end of grammar", "length" or "context full".</param>
/// <param name="PromptTime">Time until the first generated token (the prompt's processing and any wait for a slot).</param>
/// <param name="GenerationTime">Time of the generation after the first token.</param>
public sealed record CompletionStats(int PromptTokens, int CompletionTokens, string FinishReason, string StopReason,
                                     TimeSpan PromptTime, TimeSpan GenerationTime)
{
    /// <summary><see cref="PromptTokens"/> + <see cref="CompletionTokens"/>.</summary>
    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>The OpenAI finish reason for an engine stop reason: "length" for the token limit or a full context, else "stop".</summary>
    internal static string FinishReasonOf(string stopReason) => stopReason is "length" or "context full" ? "length" : "stop";
}
