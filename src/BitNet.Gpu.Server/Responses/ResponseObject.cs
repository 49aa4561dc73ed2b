using System.Text.Json;
using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// A response of the Responses API (object "response"): its status (in_progress while streaming, then completed, or
/// incomplete when the token limit cut it), its output items, its usage, and the settings it ran with, as OpenAI echoes them.
/// </summary>
internal sealed record ResponseObject
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object => "response";
    [JsonPropertyName("created_at")] public required long CreatedAt { get; init; }
    /// <summary>"in_progress", "completed", "incomplete" or "failed".</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("error")] public ResponseError? Error { get; init; }
    [JsonPropertyName("incomplete_details")] public IncompleteDetails? IncompleteDetails { get; init; }
    [JsonPropertyName("instructions")] public string? Instructions { get; init; }
    [JsonPropertyName("max_output_tokens")] public int? MaxOutputTokens { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("output")] public required IReadOnlyList<OutputItem> Output { get; init; }
    [JsonPropertyName("parallel_tool_calls")] public bool ParallelToolCalls { get; init; } = true;
    [JsonPropertyName("previous_response_id")] public string? PreviousResponseId { get; init; }
    [JsonPropertyName("temperature")] public float Temperature { get; init; }
    [JsonPropertyName("top_p")] public float TopP { get; init; }
    [JsonPropertyName("tool_choice")] public required JsonElement ToolChoice { get; init; }
    [JsonPropertyName("tools")] public required IReadOnlyList<ResponseToolFields> Tools { get; init; }
    [JsonPropertyName("text")] public required ResponseText Text { get; init; }
    [JsonPropertyName("truncation")] public string Truncation => "disabled";
    [JsonPropertyName("usage")] public ResponseUsage? Usage { get; init; }
    [JsonPropertyName("metadata")] public required JsonElement Metadata { get; init; }
    [JsonPropertyName("store")] public bool Store { get; init; }
}

/// <summary>Why a response is incomplete: "max_output_tokens" (the token limit or the end of the context).</summary>
internal sealed record IncompleteDetails([property: JsonPropertyName("reason")] string Reason);

/// <summary>Why a response failed.</summary>
internal sealed record ResponseError([property: JsonPropertyName("code")] string Code, [property: JsonPropertyName("message")] string Message);

/// <summary>The text settings a response ran with: its format (as the request gave it, or {"type": "text"}).</summary>
internal sealed record ResponseText([property: JsonPropertyName("format")] ResponseFormatFields Format);

/// <summary>The tokens a response read and wrote, in the Responses API's names.</summary>
internal sealed record ResponseUsage(
    [property: JsonPropertyName("input_tokens")] int InputTokens,
    [property: JsonPropertyName("output_tokens")] int OutputTokens)
{
    [JsonPropertyName("input_tokens_details")] public CachedTokens InputTokensDetails => new(0);
    [JsonPropertyName("output_tokens_details")] public ReasoningTokens OutputTokensDetails => new(0);
    [JsonPropertyName("total_tokens")] public int TotalTokens => InputTokens + OutputTokens;

    public static ResponseUsage Of(CompletionStats stats) => new(stats.PromptTokens, stats.CompletionTokens);
}

internal sealed record CachedTokens([property: JsonPropertyName("cached_tokens")] int Count);

internal sealed record ReasoningTokens([property: JsonPropertyName("reasoning_tokens")] int Count);

/// <summary>An item of a response's output: the assistant's message, or a function call. Written with its "type".</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(OutputMessage), "message")]
[JsonDerivedType(typeof(OutputFunctionCall), "function_call")]
internal abstract record OutputItem
{
    [JsonPropertyName("id"), JsonPropertyOrder(-2)] public required string Id { get; init; }
    /// <summary>"in_progress", "completed" or "incomplete".</summary>
    [JsonPropertyName("status"), JsonPropertyOrder(-1)] public required string Status { get; init; }
}

/// <summary>The assistant's message: its text, as one output_text part.</summary>
internal sealed record OutputMessage : OutputItem
{
    [JsonPropertyName("role")] public string Role => "assistant";
    [JsonPropertyName("content")] public required IReadOnlyList<OutputText> Content { get; init; }
}

/// <summary>A call of one of the request's functions: the call's id, the name and the arguments' JSON text.</summary>
internal sealed record OutputFunctionCall : OutputItem
{
    [JsonPropertyName("call_id")] public required string CallId { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("arguments")] public required string Arguments { get; init; }
}

/// <summary>A part of a message's content: its text and, when asked for, each token's log-probability.</summary>
internal sealed record OutputText(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("logprobs")] IReadOnlyList<ChatTokenLogprob> Logprobs)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "output_text";
    [JsonPropertyName("annotations")] public IReadOnlyList<string> Annotations => [];
}
