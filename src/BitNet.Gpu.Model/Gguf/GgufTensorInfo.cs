using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Gguf;

/// <summary>
/// One tensor's entry in a GGUF file. <see cref="Dimensions"/> are innermost first: Dimensions[0] is the row length.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, long RelativeOffset, long ByteSize)
{
    /// <summary>Offset of the tensor's data from the start of the file.</summary>
    public long FileOffset { get; init; }

    public long ElementCount => Dimensions.Aggregate(1L, (a, d) => a * d);

    /// <summary>Row length (values per row).</summary>
    public long Columns => Dimensions[0];

    /// <summary>Number of rows (product of the outer dimensions).</summary>
    public long Rows => ElementCount / Dimensions[0];

    public string Shape => string.Join(" × ", Dimensions.Reverse());
}
