using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Convert;

/// <summary>Choices for <see cref="HuggingFaceConverter.Convert"/> besides the ternary type.</summary>
public sealed record ConversionOptions
{
    /// <summary>Type of the token embedding and of an untied output projection: F16 (as bitnet.cpp's I2_S files), F32 or BF16.</summary>
    public GgmlType EmbeddingType { get; init; } = GgmlType.F16;

    /// <summary>general.name; null: the checkpoint folder's name.</summary>
    public string? Name { get; init; }

    /// <summary>Convert without tokenizer.json (the file then has no vocabulary and needs an external one).</summary>
    public bool SkipVocabulary { get; init; }

    /// <summary>Tensors prepared ahead of the one being written (each on its own thread): 1 uses both cores of a 2-core machine.</summary>
    public int Lookahead { get; init; } = 1;
}

/// <summary>Progress of writing a model file: after each tensor.</summary>
public readonly record struct ConversionProgress(int TensorsDone, int TensorCount, string TensorName, long BytesDone, long BytesTotal)
{
    public double Fraction => BytesTotal == 0 ? 1 : (double)BytesDone / BytesTotal;
}
