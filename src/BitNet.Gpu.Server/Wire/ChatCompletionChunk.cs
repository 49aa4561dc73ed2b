using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>One server-sent event of a streaming chat request (object "chat.completion.chunk").</summary>
internal sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage = null)
{
    [JsonPropertyName("object")] public string Object => "chat.completion.chunk";
}

/// <summary>A chunk's choice: the new text in delta, finish_reason (null until the last chunk), and the new tokens'
/// logprobs when the request asked for them.</summary>
internal sealed record ChatChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChatDelta Delta,
    [property: JsonPropertyName("finish_reason")] string? FinishReason,
    [property: JsonPropertyName("logprobs")] ChatLogprobs? Logprobs = null);

/// <summary>What a chunk adds to the message: the role (first chunk only), text, or calls (each with its index).</summary>
internal sealed record ChatDelta(
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallDelta>? ToolCalls = null);

/// <summary>What a chunk adds to a call, by its index: its id, type and name when it starts, then its arguments' text as it comes.</summary>
internal sealed record ToolCallDelta(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonPropertyName("type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type,
    [property: JsonPropertyName("function")] FunctionDelta Function);

/// <summary>A call's function in a chunk: the name when the call starts, and more of the arguments.</summary>
internal sealed record FunctionDelta(
    [property: JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonPropertyName("arguments")] string Arguments);
