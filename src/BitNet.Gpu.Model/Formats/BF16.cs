using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// bfloat16: the top 16 bits of a float32, stored as a little-endian u16.
/// float → bf16 rounds to nearest, ties to even (torch and ggml agree); a NaN stays a NaN with its sign,
/// made quiet (ggml's rule; torch writes 0x7FC0 for every NaN).
/// </summary>
public static class BF16
{
    public static float ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    public static ushort FromFloat(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
            return (ushort)((bits >> 16) | 0x0040);              // NaN: keep sign and top payload, set the quiet bit
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);       // ties go to the even upper half
        return (ushort)(((ulong)bits + roundingBias) >> 16);   // may carry into the exponent: rounds up to Inf
    }

    public static void ToFloat(ReadOnlySpan<byte> source, Span<float> destination)
    {
        SpanChecks.RequireLength(source.Length, 2L * destination.Length, nameof(source));
        for (int i = 0; i < destination.Length; i++)
            destination[i] = ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
    }

    public static void FromFloat(ReadOnlySpan<float> source, Span<byte> destination)
    {
        SpanChecks.RequireLength(destination.Length, 2L * source.Length, nameof(destination));
        for (int i = 0; i < source.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], FromFloat(source[i]));
    }
}
