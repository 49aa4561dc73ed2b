using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The body of POST /v1/embeddings (OpenAI's create embeddings): the texts or token ids, and how to encode the vectors.</summary>
internal sealed record EmbeddingRequest
{
    /// <summary>A string, an array of strings, an array of token ids, or an array of such arrays.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>"float" (the default) or "base64": each vector's float32 values, little-endian, in base64.</summary>
    [JsonPropertyName("encoding_format")] public string? EncodingFormat { get; init; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
}

/// <summary>One input's vector, as floats or as base64 (<typeparamref name="T"/>: float[] or string).</summary>
internal sealed record EmbeddingItem<T>(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("embedding")] T Embedding)
{
    [JsonPropertyName("object"), JsonPropertyOrder(-1)] public string Object => "embedding";
}

/// <summary>What an embedding request read: its prompt tokens (no completion tokens).</summary>
internal sealed record EmbeddingUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

/// <summary>The answer of POST /v1/embeddings: one item per input, in order.</summary>
internal sealed record EmbeddingList<T>(
    [property: JsonPropertyName("data")] IReadOnlyList<EmbeddingItem<T>> Data,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] EmbeddingUsage Usage)
{
    [JsonPropertyName("object"), JsonPropertyOrder(-1)] public string Object => "list";
}
