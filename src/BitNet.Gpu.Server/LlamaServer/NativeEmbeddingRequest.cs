using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The body of llama-server's POST /embedding: the texts or token ids (input, or content), and how to scale the vectors.</summary>
internal sealed record NativeEmbeddingRequest
{
    /// <summary>A string, an array of strings, an array of token ids, or an array of such arrays.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }
    /// <summary>The same, llama-server's older name (input wins when both are given).</summary>
    [JsonPropertyName("content")] public JsonElement? Content { get; init; }
    /// <summary>-1 none, 0 max-abs to int16, 1 taxicab, 2 Euclidean (the default), p &gt; 2 the p-norm.</summary>
    [JsonPropertyName("embd_normalize")] public int? EmbdNormalize { get; init; }
}

/// <summary>One input's answer: its index and its vector, inside a list (llama-server lists one vector per token when it does not pool).</summary>
internal sealed record NativeEmbedding(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("embedding")] float[][] Embedding);
