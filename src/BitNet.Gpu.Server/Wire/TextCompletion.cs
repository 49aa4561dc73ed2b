using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>
/// The answer to a text completion request (object "text_completion"); a stream sends the same object per piece of
/// text, finish_reason null until the last.
/// </summary>
internal sealed record TextCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<TextChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage)
{
    [JsonPropertyName("object")] public string Object => "text_completion";
}

/// <summary>One text completion (or a chunk of one), with its tokens' logprobs when the request asked for them.</summary>
internal sealed record TextChoice(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("finish_reason")] string? FinishReason,
    [property: JsonPropertyName("logprobs")] TextLogprobs? Logprobs = null,
    [property: JsonPropertyName("prompt_logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<Dictionary<string, PromptTokenLogprob>?>? PromptLogprobs = null);
