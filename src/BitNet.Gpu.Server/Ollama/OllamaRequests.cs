using System.Text.Json;
using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Ollama;

/// <summary>
/// The fields Ollama's generate and chat requests share. <c>model</c> is required (any name: this server runs one
/// model); <c>stream</c> defaults to true, as Ollama's; <c>keep_alive</c> is read and ignored (the model stays loaded).
/// </summary>
internal abstract class OllamaRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("options")] public OllamaOptions? Options { get; set; }
    /// <summary>"json" (one JSON object) or a JSON Schema the answer satisfies.</summary>
    [JsonPropertyName("format")] public JsonElement? Format { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    /// <summary>A duration ("5m", seconds as a number, 0 to unload): read and ignored.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    /// <summary>true or a level asks for the model's thinking, which this model does not do.</summary>
    [JsonPropertyName("think")] public JsonElement? Think { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
}

/// <summary>The body of POST /api/generate.</summary>
internal sealed class OllamaGenerateRequest : OllamaRequest
{
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("system")] public string? System { get; set; }
    /// <summary>true: the prompt is the model's input as it is, without the chat template.</summary>
    [JsonPropertyName("raw")] public bool? Raw { get; set; }
    /// <summary>The tokens an earlier answer returned, to continue that conversation.</summary>
    [JsonPropertyName("context")] public List<long>? Context { get; set; }
    [JsonPropertyName("suffix")] public string? Suffix { get; set; }
    [JsonPropertyName("template")] public string? Template { get; set; }
    [JsonPropertyName("images")] public List<string?>? Images { get; set; }
}

/// <summary>The body of POST /api/chat.</summary>
internal sealed class OllamaChatRequest : OllamaRequest
{
    [JsonPropertyName("messages")] public List<OllamaMessage?>? Messages { get; set; }
    /// <summary>Functions the model may call: OpenAI's shape, {"type": "function", "function": {...}}.</summary>
    [JsonPropertyName("tools")] public List<ToolFields?>? Tools { get; set; }
    [JsonPropertyName("template")] public string? Template { get; set; }
}

/// <summary>A chat message: role, content, an assistant's calls, the tool a tool message answers for.</summary>
internal sealed class OllamaMessage
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public string? Content { get; set; }
    [JsonPropertyName("images")] public List<string?>? Images { get; set; }
    [JsonPropertyName("tool_calls")] public List<OllamaToolCall?>? ToolCalls { get; set; }
    [JsonPropertyName("tool_name")] public string? ToolName { get; set; }
    /// <summary>An earlier answer's thinking: dropped, as Ollama drops it for a model that does not think.</summary>
    [JsonPropertyName("thinking")] public string? Thinking { get; set; }
}

/// <summary>A call in a message: the function's name and its arguments as an object (not JSON text, as OpenAI's).</summary>
internal sealed record OllamaToolCall(
    [property: JsonPropertyName("function")] OllamaFunctionCall? Function,
    [property: JsonPropertyName("id")] string? Id = null);

internal sealed record OllamaFunctionCall(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("arguments")] JsonElement? Arguments,
    [property: JsonPropertyName("index")] int? Index = null);

/// <summary>
/// Ollama's options: the sampling ones are used; the ones that size or place the model (num_ctx, num_gpu, num_thread,
/// num_batch, use_mmap, ...) and the samplers this engine does not have (mirostat, typical_p, tfs_z) are ignored, as
/// unknown fields are: the server's command line sets them.
/// </summary>
internal sealed class OllamaOptions
{
    [JsonPropertyName("num_predict")] public int? NumPredict { get; set; }
    [JsonPropertyName("temperature")] public float? Temperature { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("top_p")] public float? TopP { get; set; }
    [JsonPropertyName("min_p")] public float? MinP { get; set; }
    [JsonPropertyName("repeat_penalty")] public float? RepeatPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public float? PresencePenalty { get; set; }
    [JsonPropertyName("frequency_penalty")] public float? FrequencyPenalty { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("stop")] public JsonElement? Stop { get; set; }
}

/// <summary>The body of POST /api/embed: one text or many; truncate (default true) cuts a text past the context.</summary>
internal sealed class OllamaEmbedRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; set; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; set; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; set; }
    [JsonPropertyName("options")] public JsonElement? Options { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
}

/// <summary>The body of POST /api/embeddings, Ollama's earlier embedding endpoint: one prompt, a vector not normalized.</summary>
internal sealed class OllamaLegacyEmbedRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("options")] public JsonElement? Options { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
}

/// <summary>The body of POST /api/show: the model (or its earlier name field); verbose is accepted.</summary>
internal sealed class OllamaShowRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("verbose")] public bool? Verbose { get; set; }
}
