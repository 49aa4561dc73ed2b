using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The answer to a non-streaming chat request (object "chat.completion").</summary>
internal sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoice> Choices,
    [property: JsonPropertyName("usage")] Usage Usage,
    [property: JsonPropertyName("prompt_logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<Dictionary<string, PromptTokenLogprob>?>? PromptLogprobs = null)
{
    [JsonPropertyName("object")] public string Object => "chat.completion";
}

/// <summary>One answer of a chat completion.</summary>
internal sealed record ChatChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] AssistantMessage Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("logprobs")] ChatLogprobs? Logprobs = null);

/// <summary>The assistant's message in a chat completion: its text, or (content null) the calls it made.</summary>
internal sealed record AssistantMessage(
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallOut>? ToolCalls = null)
{
    [JsonPropertyName("role")] public string Role => "assistant";
}
