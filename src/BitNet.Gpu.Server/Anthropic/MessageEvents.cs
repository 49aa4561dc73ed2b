using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Anthropic;

// The server-sent events of a streamed message, in Anthropic's order: message_start (the message with no content yet),
// then per content block content_block_start, content_block_delta (text_delta, or input_json_delta for a call's input)
// and content_block_stop; message_delta with the stop reason and the output tokens; message_stop.

internal sealed record MessageStartEvent([property: JsonPropertyName("message")] MessageObject Message)
{
    public const string Name = "message_start";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}

internal sealed record BlockStartEvent([property: JsonPropertyName("index")] int Index, [property: JsonPropertyName("content_block")] ContentBlock Block)
{
    public const string Name = "content_block_start";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}

internal sealed record BlockDeltaEvent([property: JsonPropertyName("index")] int Index, [property: JsonPropertyName("delta")] BlockDelta Delta)
{
    public const string Name = "content_block_delta";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}

/// <summary>More of a block: text (text_delta) or of a call's input JSON (input_json_delta).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextDelta), "text_delta")]
[JsonDerivedType(typeof(InputJsonDelta), "input_json_delta")]
internal abstract record BlockDelta;

internal sealed record TextDelta([property: JsonPropertyName("text")] string Text) : BlockDelta;

internal sealed record InputJsonDelta([property: JsonPropertyName("partial_json")] string PartialJson) : BlockDelta;

internal sealed record BlockStopEvent([property: JsonPropertyName("index")] int Index)
{
    public const string Name = "content_block_stop";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}

internal sealed record MessageDeltaEvent([property: JsonPropertyName("delta")] StopDelta Delta, [property: JsonPropertyName("usage")] OutputUsage Usage)
{
    public const string Name = "message_delta";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}

internal sealed record StopDelta([property: JsonPropertyName("stop_reason")] string? StopReason, [property: JsonPropertyName("stop_sequence")] string? StopSequence);

internal sealed record OutputUsage([property: JsonPropertyName("output_tokens")] int OutputTokens);

internal sealed record MessageStopEvent
{
    public const string Name = "message_stop";
    [JsonPropertyName("type")] public string Type => Name;
}

internal sealed record PingEvent
{
    public const string Name = "ping";
    [JsonPropertyName("type")] public string Type => Name;
}
