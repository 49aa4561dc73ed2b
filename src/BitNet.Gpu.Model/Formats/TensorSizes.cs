namespace BitNet.Gpu.Model.Formats;

/// <summary>Block sizes and byte sizes of each tensor type (placeholder until the formats layer lands).</summary>
public static class TensorSizes
{
    /// <summary>Values per block and bytes per block; I2_S is per tensor (see <see cref="ByteSize"/>).</summary>
    public static (int ValuesPerBlock, int BytesPerBlock) Block(GgmlType type) => type switch
    {
        GgmlType.F32 => (1, 4),
        GgmlType.F16 => (1, 2),
        GgmlType.BF16 => (1, 2),
        GgmlType.Q4_0 => (32, 18),
        GgmlType.Q8_0 => (32, 34),
        GgmlType.Q6_K => (256, 210),
        GgmlType.TQ1_0 => (256, 54),
        GgmlType.TQ2_0 => (256, 66),
        GgmlType.I2_S => (128, 32),
        _ => throw new ArgumentException($"unknown tensor type id {(uint)type}", nameof(type)),
    };

    public static int ValuesPerBlock(GgmlType type) => Block(type).ValuesPerBlock;

    public static bool IsKnown(GgmlType type) => Enum.IsDefined(type);

    /// <summary>Bytes a tensor of <paramref name="elementCount"/> values occupies in a GGUF file.</summary>
    public static long ByteSize(GgmlType type, long elementCount)
    {
        var (valuesPerBlock, bytesPerBlock) = Block(type);
        if (elementCount < 0 || elementCount % valuesPerBlock != 0)
            throw new ArgumentException($"{type} needs a multiple of {valuesPerBlock} values, got {elementCount}", nameof(elementCount));
        long bytes = checked(elementCount / valuesPerBlock * bytesPerBlock);
        // I2_S: packed codes, then one f32 scale padded to 32 bytes.
        return type == GgmlType.I2_S ? checked(bytes + 32) : bytes;
    }
}
