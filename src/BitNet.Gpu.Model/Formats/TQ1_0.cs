using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// TQ1_0, llama.cpp's 1.6875-bit ternary format: 256-value blocks of 54 bytes, qs[48], qh[4], then the f16 scale d.
/// Each byte holds 5 trits (qh bytes 4) as a base-3 fixed-point fraction: byte = ⌈(Σ t_n·3^(4−n)) · 256 / 243⌉,
/// so trit n is ((byte · 3^n) mod 256) · 3 >> 8. Trit t = value + 1; value = (t − 1) · d.
/// Value order within a block: qs[0..32) hold values n·32 + m, qs[32..48) values 160 + n·16 + m,
/// qh[0..4) values 240 + n·4 + j.
/// </summary>
public static class TQ1_0
{
    public const int ValuesPerBlock = 256;
    public const int BytesPerBlock = 54;
    const int ScaleOffset = 52;
    const string Format = "TQ1_0";
    static ReadOnlySpan<byte> PowersOf3 => [1, 3, 9, 27, 81];

    public static void Pack(ReadOnlySpan<sbyte> ternary, ReadOnlySpan<Half> blockScales, Span<byte> destination)
    {
        int blocks = CheckSizes(ternary.Length, blockScales.Length, destination.Length,
            nameof(ternary), nameof(blockScales), nameof(destination));
        Span<int> digits = stackalloc int[ScaleOffset];   // the base-3 number Σ t_n·3^(4−n) of each byte
        for (int b = 0; b < blocks; b++)
        {
            digits.Clear();
            for (int k = 0; k < ValuesPerBlock; k++)
            {
                int trit = TernaryCode.Encode(ternary[b * ValuesPerBlock + k], b * ValuesPerBlock + k, nameof(ternary));
                var (byteIndex, position) = Locate(k);
                digits[byteIndex] += trit * PowersOf3[4 - position];
            }
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            for (int j = 0; j < ScaleOffset; j++)
                block[j] = (byte)((digits[j] * 256 + 242) / 243);   // ceiling division by 3^5
            BinaryPrimitives.WriteHalfLittleEndian(block[ScaleOffset..], blockScales[b]);
        }
    }

    public static void Unpack(ReadOnlySpan<byte> source, Span<sbyte> ternary, Span<Half> blockScales)
    {
        int blocks = CheckSizes(ternary.Length, blockScales.Length, source.Length,
            nameof(ternary), nameof(blockScales), nameof(source));
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BytesPerBlock, BytesPerBlock);
            for (int k = 0; k < ValuesPerBlock; k++)
            {
                var (byteIndex, position) = Locate(k);
                ternary[b * ValuesPerBlock + k] = (sbyte)(Trit(block[byteIndex], position) - 1);
            }
            blockScales[b] = BinaryPrimitives.ReadHalfLittleEndian(block[ScaleOffset..]);
        }
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

    /// <summary>llama.cpp's TQ1_0 quantizer (see <see cref="TernaryBlockRule"/>), byte for byte.</summary>
    public static void Quantize(ReadOnlySpan<float> weights, Span<byte> destination)
    {
        int blocks = SpanChecks.BlockCount(weights.Length, ValuesPerBlock, Format, nameof(weights));
        SpanChecks.RequireLength(destination.Length, (long)blocks * BytesPerBlock, nameof(destination));
        SpanChecks.RequireFinite(weights, nameof(weights));
        TernaryBlockRule.QuantizeBlocks(weights, ValuesPerBlock, out var ternary, out var scales);
        Pack(ternary, scales, destination);
    }

    /// <summary>Trit n (0 = most significant) of a packed byte: ((q · 3^n) mod 256) · 3 >> 8, always 0, 1 or 2.</summary>
    internal static int Trit(byte packed, int n) => (byte)(packed * PowersOf3[n]) * 3 >> 8;

    /// <summary>Where value k of a block lives: the byte (0..51) and the trit position within it.</summary>
    internal static (int Byte, int Trit) Locate(int k) => k switch
    {
        < 160 => (k % 32, k / 32),
        < 240 => (32 + (k - 160) % 16, (k - 160) / 16),
        _ => (48 + (k - 240) % 4, (k - 240) / 4),
    };

    /// <returns>the number of blocks</returns>
    static int CheckSizes(int valueCount, int scaleCount, int byteCount, string valuesParam, string scalesParam, string bytesParam)
    {
        int blocks = SpanChecks.BlockCount(valueCount, ValuesPerBlock, Format, valuesParam);
        SpanChecks.RequireLength(scaleCount, blocks, scalesParam);
        SpanChecks.RequireLength(byteCount, (long)blocks * BytesPerBlock, bytesParam);
        return blocks;
    }
}
