using Microsoft.Extensions.AI;

namespace BitNet.Gpu;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over a <see cref="BitNetModel"/>: each
/// text is tokenized as a prompt (BOS first) and pooled from the model's final hidden states
/// (<see cref="EmbeddingOptions"/>), several texts at once in the model's slots. <see cref="EmbeddingGenerationOptions.Dimensions"/>
/// may only be the model's own (its embedding length): cutting a vector of a model not trained for it loses its meaning.
/// <code>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt; generator = model.AsEmbeddingGenerator();
/// var vectors = await generator.GenerateAsync(["first text", "second text"]);</code>
/// </summary>
public sealed class BitNetEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    readonly BitNetModel _model;
    readonly EmbeddingOptions _options;
    readonly EmbeddingGeneratorMetadata _metadata;

    /// <param name="model">The model; it stays owned by the caller.</param>
    /// <param name="options">Pooling and normalization for every text; null = mean pooling, normalized.</param>
    public BitNetEmbeddingGenerator(BitNetModel model, EmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new EmbeddingOptions();
        _options.Validate();
        _model = model;
        _metadata = new EmbeddingGeneratorMetadata("bitnet-gpu", providerUri: null, defaultModelId: model.ModelId,
                                                   defaultModelDimensions: model.EmbeddingLength);
    }

    /// <summary>One embedding per text, in order, with the prompt tokens they took as usage. A text that cannot be embedded
    /// (past the context) is an <see cref="ArgumentException"/> naming its index, before any text runs.</summary>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
                                                                           CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int dimensions && dimensions != _model.EmbeddingLength)
            throw new ArgumentException($"Dimensions must be the model's embedding length {_model.EmbeddingLength} (or unset), got {dimensions}", nameof(options));
        var texts = values.ToArray();
        var tokens = new int[texts.Length][];
        for (int i = 0; i < texts.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], $"values[{i}]");
            tokens[i] = _model.TokenizePrompt(texts[i]);
        }
        var vectors = await _model.EmbedBatchAsync(tokens, _options, cancellationToken).ConfigureAwait(false);
        var created = DateTimeOffset.UtcNow;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = _model.ModelId, CreatedAt = created }))
        {
            Usage = new UsageDetails { InputTokenCount = tokens.Sum(t => t.Length), TotalTokenCount = tokens.Sum(t => t.Length) },
        };
        return embeddings;
    }

    /// <summary><see cref="EmbeddingGeneratorMetadata"/> (provider bitnet-gpu, the model id, its dimensions), the
    /// <see cref="BitNetModel"/>, or this generator.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        if (serviceType == typeof(BitNetModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to free: the model belongs to the caller.</summary>
    public void Dispose() { }
}
