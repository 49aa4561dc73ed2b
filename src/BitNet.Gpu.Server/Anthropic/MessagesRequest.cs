using System.Text.Json;
using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Anthropic;

/// <summary>
/// The body of POST /v1/messages (Anthropic's Messages API): max_tokens (required), messages of user and assistant
/// turns (content a string or blocks: text, tool_use, tool_result), system, stop_sequences, temperature, top_p, top_k,
/// function tools with tool_choice, output_config.format for structured output, stream. The sampling fields chat
/// requests take (min_p, seed, the penalties) are read too, as extensions.
/// </summary>
internal sealed class MessagesRequest : SamplingFields
{
    [JsonPropertyName("messages")] public List<JsonElement>? Messages { get; set; }
    /// <summary>A string, or an array of text blocks.</summary>
    [JsonPropertyName("system")] public JsonElement? System { get; set; }
    [JsonPropertyName("stop_sequences")] public List<string?>? StopSequences { get; set; }
    [JsonPropertyName("tools")] public List<AnthropicToolFields?>? Tools { get; set; }
    /// <summary>{"type": "auto" | "any" | "tool" | "none", "name", "disable_parallel_tool_use"}.</summary>
    [JsonPropertyName("tool_choice")] public AnthropicToolChoice? ToolChoice { get; set; }
    /// <summary>{"format": {"type": "json_schema", "schema": ...}}: structured output.</summary>
    [JsonPropertyName("output_config")] public OutputConfigFields? OutputConfig { get; set; }
    /// <summary>The earlier (beta) name of output_config.format.</summary>
    [JsonPropertyName("output_format")] public OutputFormatFields? OutputFormat { get; set; }
    /// <summary>Extended thinking: this model does not think apart from its answer; "enabled" is a 400.</summary>
    [JsonPropertyName("thinking")] public JsonElement? Thinking { get; set; }
}

/// <summary>A tool: a name, a description and the JSON Schema of its input. Server tools (type web_search_..., bash_...) do not run here.</summary>
internal sealed class AnthropicToolFields
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("input_schema")] public JsonElement? InputSchema { get; set; }
}

internal sealed class AnthropicToolChoice
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("disable_parallel_tool_use")] public bool? DisableParallelToolUse { get; set; }
}

internal sealed class OutputConfigFields
{
    [JsonPropertyName("format")] public OutputFormatFields? Format { get; set; }
}

internal sealed class OutputFormatFields
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("schema")] public JsonElement? Schema { get; set; }
}
