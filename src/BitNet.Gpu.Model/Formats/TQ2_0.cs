using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// TQ2_0, llama.cpp's 2-bit ternary format: 256-value blocks of 66 bytes, 64 bytes of codes (code = t + 1)
/// then the f16 scale d. Value c·128 + l·32 + m of a block is bits 2l..2l+1 of qs[c·32 + m]; value = t · d.
/// </summary>
public static class TQ2_0
{
    public const int ValuesPerBlock = 256;
    public const int BytesPerBlock = 66;
    const int ScaleOffset = 64;
    const string Format = "TQ2_0";

    public static void Pack(ReadOnlySpan<sbyte> ternary, ReadOnlySpan<Half> blockScales, Span<byte> destination)
    {
        int blocks = CheckSizes(ternary.Length, blockScales.Length, destination.Length,
            nameof(ternary), nameof(blockScales), nameof(destination));
        destination.Clear();
        for (int i = 0; i < ternary.Length; i++)
        {
            int code = TernaryCode.Encode(ternary[i], i, nameof(ternary));
            destination[ByteOf(i)] |= (byte)(code << ShiftOf(i));
        }
        for (int b = 0; b < blocks; b++)
            BinaryPrimitives.WriteHalfLittleEndian(destination[(b * BytesPerBlock + ScaleOffset)..], blockScales[b]);
    }

    /// <summary>Reads ternary values and per-block scales. Code 3 is a <see cref="ModelFormatException"/>.</summary>
    public static void Unpack(ReadOnlySpan<byte> source, Span<sbyte> ternary, Span<Half> blockScales)
    {
        int blocks = CheckSizes(ternary.Length, blockScales.Length, source.Length,
            nameof(ternary), nameof(blockScales), nameof(source));
        for (int i = 0; i < ternary.Length; i++)
        {
            int b = ByteOf(i);
            ternary[i] = TernaryCode.Decode((source[b] >> ShiftOf(i)) & 3, Format, b);
        }
        for (int b = 0; b < blocks; b++)
            blockScales[b] = BinaryPrimitives.ReadHalfLittleEndian(source[(b * BytesPerBlock + ScaleOffset)..]);
    }

    /// <summary>value[i] = t[i] × d of its block.</summary>
    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var ternary = new sbyte[destination.Length];
        var scales = new Half[destination.Length / ValuesPerBlock];
        Unpack(source, ternary, scales);
        for (int i = 0; i < ternary.Length; i++)
            destination[i] = ternary[i] * (float)scales[i / ValuesPerBlock];
    }

    /// <summary>llama.cpp's TQ2_0 quantizer (see <see cref="TernaryBlockRule"/>), byte for byte.</summary>
    public static void Quantize(ReadOnlySpan<float> weights, Span<byte> destination)
    {
        int blocks = SpanChecks.BlockCount(weights.Length, ValuesPerBlock, Format, nameof(weights));
        SpanChecks.RequireLength(destination.Length, (long)blocks * BytesPerBlock, nameof(destination));
        SpanChecks.RequireFinite(weights, nameof(weights));
        TernaryBlockRule.QuantizeBlocks(weights, ValuesPerBlock, out var ternary, out var scales);
        Pack(ternary, scales, destination);
    }

    // Value i: block i/256; within it value k = c·128 + l·32 + m sits in qs[c·32 + m] at shift 2l.
    static int ByteOf(int i)
    {
        int k = i % ValuesPerBlock;
        return i / ValuesPerBlock * BytesPerBlock + k / 128 * 32 + k % 32;
    }

    static int ShiftOf(int i) => 2 * (i % 128 / 32);

    /// <returns>the number of blocks</returns>
    static int CheckSizes(int valueCount, int scaleCount, int byteCount, string valuesParam, string scalesParam, string bytesParam)
    {
        int blocks = SpanChecks.BlockCount(valueCount, ValuesPerBlock, Format, valuesParam);
        SpanChecks.RequireLength(scaleCount, blocks, scalesParam);
        SpanChecks.RequireLength(byteCount, (long)blocks * BytesPerBlock, bytesParam);
        return blocks;
    }
}
