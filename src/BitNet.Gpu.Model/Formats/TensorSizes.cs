namespace BitNet.Gpu.Model.Formats;

/// <summary>How many values a block of each tensor type holds, how many bytes it takes, and a tensor's byte size.</summary>
public static class TensorSizes
{
    /// <summary>Values per block: 1 for plain floats, 32 or 256 for llama.cpp's block formats, 128 for I2_S's packing groups.</summary>
    public static int ValuesPerBlock(GgmlType type) => Layout(type).Values;

    /// <summary>Bytes per block. For I2_S this excludes the 32-byte scale trailer that ends the tensor.</summary>
    public static int BytesPerBlock(GgmlType type) => Layout(type).Bytes;

    public static bool IsKnown(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16
        or GgmlType.Q4_0 or GgmlType.Q8_0 or GgmlType.Q4_K or GgmlType.Q6_K or GgmlType.TQ1_0 or GgmlType.TQ2_0 or GgmlType.I2_S;

    public static bool IsTernary(GgmlType type) => type is GgmlType.TQ1_0 or GgmlType.TQ2_0 or GgmlType.I2_S;

    /// <summary>
    /// Bytes a tensor of <paramref name="elementCount"/> values takes: whole blocks only.
    /// I2_S is n/4 bytes of codes plus one f32 scale padded to 32 bytes.
    /// </summary>
    public static long ByteSize(GgmlType type, long elementCount)
    {
        var (values, bytes) = Layout(type);
        if (elementCount < 0)
            throw new ArgumentOutOfRangeException(nameof(elementCount), elementCount, "An element count cannot be negative.");
        if (elementCount % values != 0)
            throw new ArgumentException(
                $"{elementCount} values of type {type} is not a whole number of {values}-value blocks.", nameof(elementCount));
        try
        {
            long size = checked(elementCount / values * bytes);
            return type == GgmlType.I2_S ? checked(size + I2S.TrailerBytes) : size;
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(elementCount), elementCount,
                $"{elementCount} values of type {type} take more than {long.MaxValue} bytes.");
        }
    }

    static (int Values, int Bytes) Layout(GgmlType type) => type switch
    {
        GgmlType.F32 => (1, 4),
        GgmlType.F16 => (1, 2),
        GgmlType.BF16 => (1, 2),
        GgmlType.Q4_0 => (32, 18),                       // f16 d, 16 bytes of 4-bit codes
        GgmlType.Q8_0 => (Q8_0.ValuesPerBlock, Q8_0.BytesPerBlock),
        GgmlType.Q4_K => (Q4_K.ValuesPerBlock, Q4_K.BytesPerBlock),
        GgmlType.Q6_K => (Q6_K.ValuesPerBlock, Q6_K.BytesPerBlock),
        GgmlType.TQ1_0 => (TQ1_0.ValuesPerBlock, TQ1_0.BytesPerBlock),
        GgmlType.TQ2_0 => (TQ2_0.ValuesPerBlock, TQ2_0.BytesPerBlock),
        GgmlType.I2_S => (I2S.ValuesPerBlock, I2S.BytesPerBlock),
        _ => throw new ArgumentException($"Unknown GGML tensor type id {(uint)type}.", nameof(type)),
    };
}
