using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.LlamaServer;

/// <summary>
/// llama-server's answer to POST /completion, whole or as the last event of a stream: the text, why it stopped
/// (stop_type eos, limit or word, with the stopping word), the token counts and timings. A streamed piece is a
/// <see cref="NativeCompletionPiece"/>.
/// </summary>
internal sealed record NativeCompletion(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("tokens_predicted")] int TokensPredicted,
    [property: JsonPropertyName("tokens_evaluated")] int TokensEvaluated,
    [property: JsonPropertyName("stop_type")] string StopType,
    [property: JsonPropertyName("stopping_word")] string StoppingWord,
    [property: JsonPropertyName("timings")] NativeTimings Timings,
    [property: JsonPropertyName("completion_probabilities"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<NativeTokenProbability>? Probabilities)
{
    [JsonPropertyName("stop")] public bool Stop => true;
    [JsonPropertyName("truncated")] public bool Truncated => false;

    /// <summary>The answer for a finished completion.</summary>
    public static NativeCompletion Of(string content, string model, CompletionStats stats, IReadOnlyList<NativeTokenProbability>? probabilities)
    {
        var (type, word) = stats.StopReason switch
        {
            "length" or "context full" => ("limit", ""),
            var reason when reason.StartsWith("stop string ", StringComparison.Ordinal) => ("word", reason["stop string ".Length..]),
            _ => ("eos", ""),
        };
        return new(content, model, stats.CompletionTokens, stats.PromptTokens, type, word, NativeTimings.Of(stats), probabilities);
    }
}

/// <summary>A streamed piece of a /completion answer.</summary>
internal sealed record NativeCompletionPiece(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("completion_probabilities"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<NativeTokenProbability>? Probabilities)
{
    [JsonPropertyName("stop")] public bool Stop => false;
}

/// <summary>Prompt and generation counts, times and speeds, as llama-server reports them.</summary>
internal sealed record NativeTimings(
    [property: JsonPropertyName("prompt_n")] int PromptN,
    [property: JsonPropertyName("prompt_ms")] double PromptMs,
    [property: JsonPropertyName("prompt_per_token_ms")] double PromptPerTokenMs,
    [property: JsonPropertyName("prompt_per_second")] double PromptPerSecond,
    [property: JsonPropertyName("predicted_n")] int PredictedN,
    [property: JsonPropertyName("predicted_ms")] double PredictedMs,
    [property: JsonPropertyName("predicted_per_token_ms")] double PredictedPerTokenMs,
    [property: JsonPropertyName("predicted_per_second")] double PredictedPerSecond)
{
    public static NativeTimings Of(CompletionStats stats)
    {
        double promptMs = stats.PromptTime.TotalMilliseconds, predictedMs = stats.GenerationTime.TotalMilliseconds;
        static double PerToken(double ms, int n) => n == 0 ? 0 : ms / n;
        static double PerSecond(double ms, int n) => ms <= 0 ? 0 : n * 1000 / ms;
        return new(stats.PromptTokens, promptMs, PerToken(promptMs, stats.PromptTokens), PerSecond(promptMs, stats.PromptTokens),
                   stats.CompletionTokens, predictedMs, PerToken(predictedMs, stats.CompletionTokens), PerSecond(predictedMs, stats.CompletionTokens));
    }
}

/// <summary>A generated token's log-probability with the step's most likely tokens (llama-server's n_probs, in its
/// logprob form).</summary>
internal sealed record NativeTokenProbability(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("bytes")] IReadOnlyList<int> Bytes,
    [property: JsonPropertyName("logprob")] float Logprob,
    [property: JsonPropertyName("top_logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<NativeTokenProbability>? TopLogprobs)
{
    public static NativeTokenProbability Of(CompletionToken token, bool withTop = true) =>
        new(token.Id, token.Text, [.. token.Bytes.Select(b => (int)b)], token.Logprob,
            withTop ? [.. token.Top.Select(t => Of(t, withTop: false))] : null);
}
