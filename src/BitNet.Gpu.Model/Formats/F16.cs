using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>IEEE half precision, 2 bytes little-endian a value. float → half rounds to nearest, ties to even (as ggml and numpy do).</summary>
public static class F16
{
    public static float ToFloat(Half value) => (float)value;

    public static Half FromFloat(float value) => (Half)value;

    public static void ToFloat(ReadOnlySpan<byte> source, Span<float> destination)
    {
        SpanChecks.RequireLength(source.Length, 2L * destination.Length, nameof(source));
        for (int i = 0; i < destination.Length; i++)
            destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
    }

    public static void FromFloat(ReadOnlySpan<float> source, Span<byte> destination)
    {
        SpanChecks.RequireLength(destination.Length, 2L * source.Length, nameof(destination));
        for (int i = 0; i < source.Length; i++)
            BinaryPrimitives.WriteHalfLittleEndian(destination[(2 * i)..], (Half)source[i]);
    }
}
