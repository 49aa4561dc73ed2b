using Microsoft.Extensions.AI;

namespace BitNet.Gpu;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for a <see cref="BitNetModel"/>.
/// <code>var generator = model.AsEmbeddingGenerator();</code>
/// </summary>
public static class BitNetEmbeddingGeneratorExtensions
{
    /// <summary>The model as an embedding generator (see <see cref="BitNetEmbeddingGenerator"/>); the model stays owned by the caller.
    /// <code>Embedding&lt;float&gt; vector = await model.AsEmbeddingGenerator().GenerateAsync("Hello");</code></summary>
    public static IEmbeddingGenerator<string, Embedding<float>> AsEmbeddingGenerator(this BitNetModel model, EmbeddingOptions? options = null) =>
        new BitNetEmbeddingGenerator(model, options);
}
