using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Architectures;

/// <summary>
/// One model, whatever its architecture: hyperparameters, the tensors of every layer, the embedding and output,
/// and the tokenizer metadata and chat template. Built by <see cref="ModelDescriptionReader"/> from a GGUF file.
/// </summary>
public sealed record ModelDescription
{
    public required GgufFile File { get; init; }
    /// <summary>The architecture name as written in the file (e.g. bitnet-25).</summary>
    public required string ArchitectureName { get; init; }
    public required ArchitectureSpec Architecture { get; init; }
    public required Hyperparameters Hyperparameters { get; init; }

    public required GgufTensorInfo TokenEmbedding { get; init; }    // [vocab × hidden]
    public required GgufTensorInfo OutputNorm { get; init; }        // [hidden] f32
    /// <summary>The output projection [vocab × hidden]; the token embedding itself when the model ties them.</summary>
    public required GgufTensorInfo Output { get; init; }
    public bool TiedEmbedding => ReferenceEquals(Output, TokenEmbedding);
    public required IReadOnlyList<LayerWeights> Layers { get; init; }

    /// <summary>The ternary type of the projections (all layers use one type).</summary>
    public required GgmlType TernaryType { get; init; }
    public string? ChatTemplate { get; init; }
    public string? Name { get; init; }

    public GgufMetadata Metadata => File.Metadata;

    /// <summary>Bytes of weights read for one generated token: every layer tensor, the output projection, one embedding row.</summary>
    public long WeightBytesPerToken =>
        Layers.Sum(l => l.TernaryProjections.Sum(t => t.ByteSize)) + Output.ByteSize + TokenEmbedding.ByteSize / Hyperparameters.VocabSize;
}
