using System.Runtime.InteropServices;

namespace BitNet.Gpu.Model.Formats;

/// <summary>Tensor data of any supported type to float32.</summary>
public static class Dequantize
{
    /// <summary>
    /// Converts <paramref name="source"/>, the data of a tensor of <paramref name="destination"/>.Length values,
    /// to float32. Ternary types give ternary × scale.
    /// </summary>
    public static void ToFloat(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        long expectedBytes = TensorSizes.ByteSize(type, destination.Length);
        SpanChecks.RequireLength(source.Length, expectedBytes, nameof(source));
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.Cast<byte, float>(source).CopyTo(destination); break;
            case GgmlType.F16: F16.ToFloat(source, destination); break;
            case GgmlType.BF16: BF16.ToFloat(source, destination); break;
            case GgmlType.Q8_0: Q8_0.Dequantize(source, destination); break;
            case GgmlType.Q4_K: Q4_K.Dequantize(source, destination); break;
            case GgmlType.Q6_K: Q6_K.Dequantize(source, destination); break;
            case GgmlType.TQ1_0: TQ1_0.Dequantize(source, destination); break;
            case GgmlType.TQ2_0: TQ2_0.Dequantize(source, destination); break;
            case GgmlType.I2_S: I2S.Dequantize(source, destination); break;
            default: throw new NotSupportedException($"Dequantizing tensor type {type} (id {(uint)type}) is not supported.");
        }
    }
}
