using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Convert;

/// <summary>Writes a <see cref="TernaryWeight"/> in one of the GGUF ternary types, as the reference converters would.</summary>
public static class TernaryEncoder
{
    public static bool IsTernaryType(GgmlType type) => type is GgmlType.I2_S or GgmlType.TQ2_0 or GgmlType.TQ1_0;

    /// <summary>
    /// I2_S: bitnet.cpp's quantizer given t × scale (one scale ≥ 1e-5 for the tensor) stores exactly t and scale.
    /// TQ2_0/TQ1_0: llama.cpp's quantizers run on the floats t × scale (one f16 scale per 256 values).
    /// </summary>
    public static byte[] Encode(TernaryWeight weight, GgmlType type)
    {
        var bytes = new byte[TensorSizes.ByteSize(type, weight.Values.Length)];
        switch (type)
        {
            case GgmlType.I2_S:
                I2S.Pack(weight.Values, weight.Scale, bytes);
                break;
            case GgmlType.TQ2_0:
                TQ2_0.Quantize(weight.ToFloat(), bytes);
                break;
            case GgmlType.TQ1_0:
                TQ1_0.Quantize(weight.ToFloat(), bytes);
                break;
            default:
                throw new ArgumentException($"{type} is not a ternary type (I2_S, TQ2_0, TQ1_0)", nameof(type));
        }
        return bytes;
    }
}
