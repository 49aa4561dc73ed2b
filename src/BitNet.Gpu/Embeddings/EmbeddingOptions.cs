using BitNet.Gpu.Engine.Embeddings;

namespace BitNet.Gpu;

/// <summary>
/// How <see cref="BitNetModel.EmbedAsync(string, EmbeddingOptions?, CancellationToken)"/> turns a text into a vector:
/// the pooling of its tokens' final hidden states and whether the vector is scaled to unit length.
/// <code>var vector = await model.EmbedAsync("Hello", new EmbeddingOptions { Pooling = EmbeddingPooling.Last });</code>
/// </summary>
public sealed record EmbeddingOptions
{
    /// <summary>Mean of every token's hidden state (the default) or the last token's.</summary>
    public EmbeddingPooling Pooling { get; init; } = EmbeddingPooling.Mean;

    /// <summary>Scales the vector to unit Euclidean length (the default, as llama-server and OpenAI's embeddings are), so a
    /// dot product is the cosine similarity.</summary>
    public bool Normalize { get; init; } = true;

    internal void Validate()
    {
        if (!Enum.IsDefined(Pooling))
            throw new ArgumentException($"Pooling must be {string.Join(" or ", Enum.GetNames<EmbeddingPooling>())}, got {(int)Pooling}", nameof(Pooling));
    }
}
