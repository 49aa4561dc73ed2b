namespace BitNet.Gpu.Engine.Embeddings;

/// <summary>
/// How a text's per-token hidden states become one embedding vector (llama.cpp's <c>--pooling</c>).
/// </summary>
public enum EmbeddingPooling
{
    /// <summary>The mean of every token's final hidden state (llama.cpp's <c>mean</c>): the usual choice for a model not
    /// trained for embeddings, since every token contributes.</summary>
    Mean,

    /// <summary>The last token's final hidden state (llama.cpp's <c>last</c>): what a causal model has read the whole text into.</summary>
    Last,
}

/// <summary>The pooling names as options and APIs spell them.</summary>
public static class EmbeddingPoolingNames
{
    /// <summary>Every name, in the order a usage line lists them.</summary>
    public static IReadOnlyList<string> All { get; } = ["mean", "last"];

    /// <summary>The pooling a name means (case-insensitive), or null when it names none.</summary>
    public static EmbeddingPooling? Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "mean" => EmbeddingPooling.Mean,
        "last" => EmbeddingPooling.Last,
        _ => null,
    };

    /// <summary>The name of <paramref name="pooling"/>: "mean" or "last".</summary>
    public static string Name(this EmbeddingPooling pooling) => pooling == EmbeddingPooling.Last ? "last" : "mean";
}
