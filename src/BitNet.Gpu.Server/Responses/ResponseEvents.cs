using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Responses;

// The server-sent events of a streamed response, in the order they come: response.created and response.in_progress;
// per output item output_item.added, then for a message content_part.added, output_text.delta (one per piece of text),
// output_text.done and content_part.done, or for a function call function_call_arguments.delta and .done; then
// output_item.done; last response.completed (or response.incomplete). Each carries its type and a sequence number.

/// <summary>response.created, response.in_progress, response.completed, response.incomplete, response.failed.</summary>
internal sealed record ResponseStateEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("response")] ResponseObject Response);

/// <summary>response.output_item.added and response.output_item.done.</summary>
internal sealed record OutputItemEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("output_index")] int OutputIndex,
    [property: JsonPropertyName("item")] OutputItem Item);

/// <summary>response.content_part.added and response.content_part.done.</summary>
internal sealed record ContentPartEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("item_id")] string ItemId,
    [property: JsonPropertyName("output_index")] int OutputIndex,
    [property: JsonPropertyName("content_index")] int ContentIndex,
    [property: JsonPropertyName("part")] OutputText Part);

/// <summary>response.output_text.delta: a piece of a message's text, with its tokens' log-probabilities when asked for.</summary>
internal sealed record TextDeltaEvent(
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("item_id")] string ItemId,
    [property: JsonPropertyName("output_index")] int OutputIndex,
    [property: JsonPropertyName("content_index")] int ContentIndex,
    [property: JsonPropertyName("delta")] string Delta,
    [property: JsonPropertyName("logprobs")] IReadOnlyList<ChatTokenLogprob> Logprobs)
{
    public const string Name = "response.output_text.delta";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}

/// <summary>response.output_text.done: a message's whole text.</summary>
internal sealed record TextDoneEvent(
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("item_id")] string ItemId,
    [property: JsonPropertyName("output_index")] int OutputIndex,
    [property: JsonPropertyName("content_index")] int ContentIndex,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("logprobs")] IReadOnlyList<ChatTokenLogprob> Logprobs)
{
    public const string Name = "response.output_text.done";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}

/// <summary>response.function_call_arguments.delta (more of a call's arguments, as they come) and .done (all of them).</summary>
internal sealed record ArgumentsEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("item_id")] string ItemId,
    [property: JsonPropertyName("output_index")] int OutputIndex,
    [property: JsonPropertyName("delta"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Delta,
    [property: JsonPropertyName("arguments"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Arguments);

/// <summary>error: the stream ends without a whole response (the server is shutting down, or the engine failed).</summary>
internal sealed record StreamErrorEvent(
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("param")] string? Param)
{
    public const string Name = "error";
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => Name;
}
