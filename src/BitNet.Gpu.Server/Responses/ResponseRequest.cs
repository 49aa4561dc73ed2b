using System.Text.Json;
using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// The body of POST /v1/responses (OpenAI's Responses API): the input (a string, or an array of message, function_call
/// and function_call_output items), instructions, the output limit, text.format, function tools, and the id of an
/// earlier stored response to continue. The sampling fields chat requests take are read here too (top_k, min_p, seed,
/// stop and the penalties are extensions, as in chat); n and response_format have no meaning in this API.
/// </summary>
internal sealed class ResponseRequest : SamplingFields
{
    /// <summary>A string (one user message) or an array of input items.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; set; }
    /// <summary>A system message put before the input; not carried on to later responses that continue this one.</summary>
    [JsonPropertyName("instructions")] public string? Instructions { get; set; }
    [JsonPropertyName("max_output_tokens")] public int? MaxOutputTokens { get; set; }
    /// <summary>{"format": {"type": "text" | "json_object" | "json_schema", ...}}.</summary>
    [JsonPropertyName("text")] public ResponseTextFields? Text { get; set; }
    /// <summary>Function tools: {"type": "function", "name", "description", "parameters", "strict"}.</summary>
    [JsonPropertyName("tools")] public List<ResponseToolFields?>? Tools { get; set; }
    /// <summary>"auto", "none", "required", or {"type": "function", "name": ...}.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; set; }
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; set; }
    /// <summary>A stored response whose conversation (input and output) comes before this input.</summary>
    [JsonPropertyName("previous_response_id")] public string? PreviousResponseId { get; set; }
    /// <summary>Keep the response for previous_response_id and GET (default true, as OpenAI's).</summary>
    [JsonPropertyName("store")] public bool? Store { get; set; }
    /// <summary>Up to 16 string pairs, returned as given.</summary>
    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; set; }
    /// <summary>Extra output to include; "message.output_text.logprobs" is the one this server has.</summary>
    [JsonPropertyName("include")] public List<string?>? Include { get; set; }
    /// <summary>With logprobs included, this many of each step's most likely tokens too (0 to 20).</summary>
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
    /// <summary>OpenAI's conversation objects; not held here (a 400).</summary>
    [JsonPropertyName("conversation")] public JsonElement? Conversation { get; set; }
    /// <summary>Run in the background and poll; not held here (true is a 400).</summary>
    [JsonPropertyName("background")] public bool? Background { get; set; }
}

/// <summary>The request's text settings: the output's format.</summary>
internal sealed class ResponseTextFields
{
    [JsonPropertyName("format")] public ResponseFormatFields? Format { get; set; }
}

/// <summary>text.format (read, and written back in the response without its absent fields): {"type": "text"}, {"type": "json_object"}, or {"type": "json_schema", "name", "schema", "strict"}.</summary>
internal sealed class ResponseFormatFields
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("type")] public string? Type { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("name")] public string? Name { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("description")] public string? Description { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("schema")] public JsonElement? Schema { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("strict")] public bool? Strict { get; set; }
}

/// <summary>A tool of a Responses request (read, and written back in the response); only function tools run here.</summary>
internal sealed class ResponseToolFields
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("type")] public string? Type { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("name")] public string? Name { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("description")] public string? Description { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("parameters")] public JsonElement? Parameters { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("strict")] public bool? Strict { get; set; }
}
