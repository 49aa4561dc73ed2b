namespace BitNet.Gpu.Model.Formats;

/// <summary>The ternary values and scales of a TQ1_0, TQ2_0 or I2_S tensor, for backends that repack weights.</summary>
public static class TernaryValues
{
    /// <summary>
    /// Unpacks <paramref name="count"/> ternary values (-1, 0, +1). Value i has scale blockScales[i / blockSize]:
    /// I2_S has one scale (blockSize = count), TQ1_0 and TQ2_0 one per 256 values.
    /// </summary>
    public static (sbyte[] Values, float[] BlockScales, int BlockSize) Unpack(GgmlType type, ReadOnlySpan<byte> source, long count)
    {
        if (!TensorSizes.IsTernary(type))
            throw new ArgumentException($"Tensor type {type} (id {(uint)type}) is not ternary.", nameof(type));
        SpanChecks.RequireLength(source.Length, TensorSizes.ByteSize(type, count), nameof(source));
        if (count > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"At most {Array.MaxLength} values can be unpacked at once.");

        var values = new sbyte[count];
        if (type == GgmlType.I2_S)
        {
            float scale = I2S.Unpack(source, values);
            return (values, [scale], (int)count);
        }

        int blockSize = TensorSizes.ValuesPerBlock(type);
        var halves = new Half[count / blockSize];
        if (type == GgmlType.TQ1_0)
            TQ1_0.Unpack(source, values, halves);
        else
            TQ2_0.Unpack(source, values, halves);
        return (values, Array.ConvertAll(halves, h => (float)h), blockSize);
    }
}
