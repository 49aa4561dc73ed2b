using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The log-probability fields of a request, checked with their wire names: chat's logprobs (a boolean) and top_logprobs
/// (0 to 20, only with logprobs), the text completion's logprobs (0 to 20 most likely tokens; OpenAI allows 5, vLLM 20),
/// and vLLM's prompt_logprobs on both (0 to 20; not with a stream, as vLLM refuses it there too).
/// </summary>
internal static class LogprobFields
{
    const int MaxTop = Engine.Sampling.TokenLogprob.MaxTop;

    public static (bool Logprobs, int Top) OfChat(bool? logprobs, int? topLogprobs)
    {
        int top = topLogprobs ?? 0;
        if (top is < 0 or > MaxTop)
            throw ApiException.BadRequest($"top_logprobs must be 0 to {MaxTop}, got {top}", "top_logprobs");
        if (top > 0 && logprobs != true)
            throw ApiException.BadRequest("top_logprobs needs logprobs to be true", "top_logprobs");
        return (logprobs == true, top);
    }

    public static (bool Logprobs, int Top) OfText(int? logprobs) => logprobs switch
    {
        null => (false, 0),
        < 0 or > MaxTop => throw ApiException.BadRequest($"logprobs must be 0 to {MaxTop} (the most likely tokens to list), got {logprobs}", "logprobs"),
        int top => (true, top),
    };

    /// <summary>prompt_logprobs checked: null when not asked for, else how many of each position's most likely tokens to list.</summary>
    public static int? OfPrompt(int? promptLogprobs, bool stream) => promptLogprobs switch
    {
        null => null,
        < 0 or > MaxTop => throw ApiException.BadRequest($"prompt_logprobs must be 0 to {MaxTop} (the most likely tokens to list per prompt position), got {promptLogprobs}", "prompt_logprobs"),
        _ when stream => throw ApiException.BadRequest("prompt_logprobs is not available with stream: true", "prompt_logprobs"),
        int top => top,
    };

    /// <summary>The tokens with each one's alternatives cut to <paramref name="top"/> (a request that asks for fewer
    /// alternatives for its generated tokens than for its prompt runs with the larger count).</summary>
    public static IReadOnlyList<CompletionToken> Cut(IReadOnlyList<CompletionToken> tokens, int top) =>
        tokens.All(t => t.Top.Count <= top) ? tokens : [.. tokens.Select(t => t.Top.Count <= top ? t : t with { Top = [.. t.Top.Take(top)] })];
}
