namespace BitNet.Gpu.Model.Architectures;

/// <summary>The shape of a model, read from its metadata and checked against its tensors.</summary>
public sealed record Hyperparameters
{
    public required int VocabSize { get; init; }
    /// <summary>Hidden size (2560 in 2B4T).</summary>
    public required int EmbeddingLength { get; init; }
    /// <summary>FFN inner size (6912 in 2B4T).</summary>
    public required int FeedForwardLength { get; init; }
    public required int BlockCount { get; init; }
    public required int HeadCount { get; init; }
    public required int KeyValueHeadCount { get; init; }
    public required int HeadDim { get; init; }
    public required int ContextLength { get; init; }
    public required float RmsNormEpsilon { get; init; }
    public required float RopeFreqBase { get; init; }
    /// <summary>Values of each head that RoPE rotates (the whole head in the supported models).</summary>
    public required int RopeDimensions { get; init; }

    /// <summary>Query width: HeadCount × HeadDim.</summary>
    public int QueryLength => HeadCount * HeadDim;
    /// <summary>Key/value width: KeyValueHeadCount × HeadDim.</summary>
    public int KeyValueLength => KeyValueHeadCount * HeadDim;
    /// <summary>Query heads that share one key/value head.</summary>
    public int HeadsPerKeyValueHead => HeadCount / KeyValueHeadCount;
}
