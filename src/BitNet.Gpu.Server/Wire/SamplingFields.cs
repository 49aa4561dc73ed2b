using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>
/// The fields chat and text completion requests share: OpenAI's sampling and stopping fields, llama-server's top_k,
/// min_p and repeat_penalty, and streaming. Absent fields keep <see cref="CompletionOptions"/>' defaults (llama-server's).
/// Unknown fields are ignored, as OpenAI-compatible servers do.
/// </summary>
internal abstract class SamplingFields
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("temperature")] public float? Temperature { get; set; }
    [JsonPropertyName("top_p")] public float? TopP { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("min_p")] public float? MinP { get; set; }
    [JsonPropertyName("repeat_penalty")] public float? RepeatPenalty { get; set; }
    [JsonPropertyName("frequency_penalty")] public float? FrequencyPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public float? PresencePenalty { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("stop")] public JsonElement? Stop { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    /// <summary>Token id (as a string, OpenAI's form) → bias; -100 or less bans the token.</summary>
    [JsonPropertyName("logit_bias")] public Dictionary<string, float>? LogitBias { get; set; }
    [JsonPropertyName("n")] public int? N { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; set; }
    /// <summary>{"type": "text"}, {"type": "json_object"} (JSON mode) or {"type": "json_schema", "json_schema": {"schema": ...}} (structured output).</summary>
    [JsonPropertyName("response_format")] public ResponseFormat? ResponseFormat { get; set; }
}

/// <summary>
/// OpenAI's response_format: its type (text, json_object or json_schema) and, for json_schema, the schema; llama-server's
/// {"type": "json_object", "schema": ...} too.
/// </summary>
internal sealed class ResponseFormat
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("json_schema")] public JsonSchemaFormat? JsonSchema { get; set; }
    [JsonPropertyName("schema")] public JsonElement? Schema { get; set; }
}

/// <summary>OpenAI's response_format.json_schema: a name, an optional description, the schema, and strict (always held here).</summary>
internal sealed class JsonSchemaFormat
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("schema")] public JsonElement? Schema { get; set; }
    [JsonPropertyName("strict")] public bool? Strict { get; set; }
}

/// <summary>OpenAI's stream_options: include_usage adds a last chunk with the token counts.</summary>
internal sealed class StreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; set; }
}
