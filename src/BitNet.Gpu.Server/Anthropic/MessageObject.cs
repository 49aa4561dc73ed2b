using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Anthropic;

/// <summary>The answer to POST /v1/messages (type "message"): its content blocks, why it stopped, and its usage.</summary>
internal sealed record MessageObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("content")] IReadOnlyList<ContentBlock> Content,
    [property: JsonPropertyName("stop_reason")] string? StopReason,
    [property: JsonPropertyName("stop_sequence")] string? StopSequence,
    [property: JsonPropertyName("usage")] MessageUsage Usage)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "message";
    [JsonPropertyName("role")] public string Role => "assistant";
}

/// <summary>A block of the answer: text, or a tool_use (a call). Written with its "type".</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextBlock), "text")]
[JsonDerivedType(typeof(ToolUseBlock), "tool_use")]
internal abstract record ContentBlock;

internal sealed record TextBlock([property: JsonPropertyName("text")] string Text) : ContentBlock;

/// <summary>A call: its id (toolu_...), the tool's name and its input object.</summary>
internal sealed record ToolUseBlock(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("input")] JsonElement Input) : ContentBlock;

/// <summary>The tokens a message read and wrote (no prompt caching here: the cache fields are 0).</summary>
internal sealed record MessageUsage(
    [property: JsonPropertyName("input_tokens")] int InputTokens,
    [property: JsonPropertyName("output_tokens")] int OutputTokens)
{
    [JsonPropertyName("cache_creation_input_tokens")] public int CacheCreationInputTokens => 0;
    [JsonPropertyName("cache_read_input_tokens")] public int CacheReadInputTokens => 0;
}

/// <summary>The answer to POST /v1/messages/count_tokens.</summary>
internal sealed record TokenCount([property: JsonPropertyName("input_tokens")] int InputTokens);

/// <summary>Anthropic's error body: <c>{"type": "error", "error": {"type", "message"}}</c>.</summary>
internal sealed record AnthropicErrorBody([property: JsonPropertyName("error")] AnthropicError Error)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "error";
}

internal sealed record AnthropicError([property: JsonPropertyName("type")] string Type, [property: JsonPropertyName("message")] string Message);
