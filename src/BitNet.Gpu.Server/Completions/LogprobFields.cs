using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The log-probability fields of a request, checked with their wire names: chat's logprobs (a boolean) and top_logprobs
/// (0 to 20, only with logprobs), the text completion's logprobs (0 to 20 most likely tokens; OpenAI allows 5, vLLM 20).
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
}
