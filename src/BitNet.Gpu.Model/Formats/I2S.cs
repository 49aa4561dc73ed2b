using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// I2_S, bitnet.cpp's ternary format (x86 layout): one f32 scale for the whole tensor and 2-bit codes
/// (code = t + 1) in blocks of 128 consecutive values, 32 bytes a block. Value j + 32·g of a block
/// sits in byte j at bit shift 6 − 2g. After the n/4 code bytes comes the scale, padded to 32 bytes.
/// </summary>
public static class I2S
{
    public const int ValuesPerBlock = 128;
    public const int BytesPerBlock = 32;
    /// <summary>The f32 scale (first 4 bytes, little-endian) and 28 bytes of padding that this code writes as zeros.</summary>
    public const int TrailerBytes = 32;

    const string Format = "I2_S";

    /// <summary>Packs ternary values (-1, 0, +1) and the tensor scale into n/4 + 32 bytes.</summary>
    public static void Pack(ReadOnlySpan<sbyte> ternary, float scale, Span<byte> destination)
    {
        int codeBytes = CheckSizes(ternary.Length, destination.Length, nameof(ternary), nameof(destination));
        var codes = destination[..codeBytes];   // ternary.Length/4 bytes, 4 codes per byte
        codes.Clear();
        for (int i = 0; i < ternary.Length; i++)
        {
            int code = TernaryCode.Encode(ternary[i], i, nameof(ternary));
            codes[ByteOf(i)] |= (byte)(code << ShiftOf(i));
        }
        WriteTrailer(destination[codeBytes..], scale);
    }

    /// <summary>Reads the ternary values and returns the tensor scale. Code 3 is a <see cref="ModelFormatException"/>.</summary>
    public static float Unpack(ReadOnlySpan<byte> source, Span<sbyte> ternary)
    {
        int codeBytes = CheckSizes(ternary.Length, source.Length, nameof(ternary), nameof(source));
        // Byte by byte: byte j of a block holds values j, j+32, j+64, j+96 at shifts 6, 4, 2, 0 (see ByteOf/ShiftOf).
        for (int block = 0; block < codeBytes / BytesPerBlock; block++)
        {
            var codes = source.Slice(block * BytesPerBlock, BytesPerBlock);
            var values = ternary.Slice(block * ValuesPerBlock, ValuesPerBlock);
            for (int j = 0; j < BytesPerBlock; j++)
            {
                int b = codes[j];
                if ((b & 0xAA & (b << 1)) != 0) // a pair of set bits is the invalid code 3
                    TernaryCode.Decode(3, Format, block * BytesPerBlock + j);
                values[j] = (sbyte)((b >> 6) - 1);
                values[j + 32] = (sbyte)(((b >> 4) & 3) - 1);
                values[j + 64] = (sbyte)(((b >> 2) & 3) - 1);
                values[j + 96] = (sbyte)((b & 3) - 1);
            }
        }
        return BinaryPrimitives.ReadSingleLittleEndian(source[codeBytes..]);
    }

    /// <summary>value[i] = ternary[i] × scale.</summary>
    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var ternary = new sbyte[destination.Length];
        float scale = Unpack(source, ternary);
        for (int i = 0; i < ternary.Length; i++)
            destination[i] = ternary[i] * scale;
    }

    /// <summary>
    /// bitnet.cpp's <c>quantize_i2_s</c> for an already-ternary tensor ({-s, 0, +s}): scale = max|w|;
    /// |w| below 1e-6 (compared in double) is 0, otherwise the sign picks -1 or +1.
    /// Writes zeros into the 28 padding bytes after the scale (bitnet.cpp leaves them as they were).
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> weights, Span<byte> destination)
    {
        CheckSizes(weights.Length, destination.Length, nameof(weights), nameof(destination));
        SpanChecks.RequireFinite(weights, nameof(weights));
        float scale = 0;
        foreach (float w in weights)
            scale = MathF.Max(scale, MathF.Abs(w));

        var ternary = new sbyte[weights.Length];
        for (int i = 0; i < weights.Length; i++)
            ternary[i] = Math.Abs((double)weights[i]) < 1e-6 ? (sbyte)0 : (sbyte)Math.Sign(weights[i]);
        Pack(ternary, scale, destination);
    }

    // Value i of the tensor: block i/128, and within the block, value k = j + 32·g sits in byte j at shift 6 − 2g.
    static int ByteOf(int i) => i / ValuesPerBlock * BytesPerBlock + i % ValuesPerBlock % 32;
    static int ShiftOf(int i) => 6 - 2 * (i % ValuesPerBlock / 32);

    static void WriteTrailer(Span<byte> trailer, float scale)
    {
        trailer.Clear();
        BinaryPrimitives.WriteSingleLittleEndian(trailer, scale);
    }

    /// <returns>the number of code bytes, valueCount/4</returns>
    static int CheckSizes(int valueCount, int byteCount, string valuesParam, string bytesParam)
    {
        SpanChecks.BlockCount(valueCount, ValuesPerBlock, Format, valuesParam);
        SpanChecks.RequireLength(byteCount, valueCount / 4 + (long)TrailerBytes, bytesParam);
        return valueCount / 4;
    }
}
