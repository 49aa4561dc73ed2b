namespace BitNet.Gpu.Model.SafeTensors;

/// <summary>
/// One tensor of a safetensors file. <see cref="Shape"/> is outermost first, as PyTorch writes it
/// (a linear weight is [out_features, in_features]). Offsets are absolute positions in <see cref="FilePath"/>.
/// </summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, long[] Shape, string FilePath, long FileOffset, long ByteSize)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
