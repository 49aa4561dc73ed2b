using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// Q6_K: 256-value super-blocks of 210 bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8,
/// one per 16 values), then the f16 super-scale d. value = d · scale · (q − 32) with q the 6-bit code.
/// Within each 128-value half h, value l + 32·g (g = 0..3) takes its low nibble from ql[64h + l + 32·(g mod 2)]
/// (low nibble for g &lt; 2, high for g ≥ 2), its high bits from qh[32h + l] at shift 2g, and scales[8h + 2g + l/16].
/// </summary>
public static class Q6_K
{
    public const int ValuesPerBlock = 256;
    public const int BytesPerBlock = 210;
    const int QhOffset = 128, ScalesOffset = 192, DOffset = 208;
    const string Format = "Q6_K";

    /// <summary>ggml's dequantize_row_q6_K, with its float32 evaluation order (d · scale) · (q − 32).</summary>
    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = CheckSizes(destination.Length, source.Length, nameof(destination), nameof(source));
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BytesPerBlock, BytesPerBlock);
            var y = destination.Slice(b * ValuesPerBlock, ValuesPerBlock);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block[DOffset..]);
            for (int half = 0; half < 2; half++)
            {
                var ql = block.Slice(64 * half, 64);
                var qh = block.Slice(QhOffset + 32 * half, 32);
                var scales = block.Slice(ScalesOffset + 8 * half, 8);
                for (int l = 0; l < 32; l++)
                {
                    int sub = l / 16;
                    int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    y[128 * half + l + 0] = d * (sbyte)scales[sub + 0] * q1;
                    y[128 * half + l + 32] = d * (sbyte)scales[sub + 2] * q2;
                    y[128 * half + l + 64] = d * (sbyte)scales[sub + 4] * q3;
                    y[128 * half + l + 96] = d * (sbyte)scales[sub + 6] * q4;
                }
            }
        }
    }

    /// <summary>
    /// A simple quantizer that writes valid blocks (not ggml's search for the best scales): each 16-value group gets
    /// scale max|x|/31, the super-scale is the largest group scale / 127, codes are round(x / (d · scale)) clamped to [-32, 31].
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> weights, Span<byte> destination)
    {
        int blocks = CheckSizes(weights.Length, destination.Length, nameof(weights), nameof(destination));
        SpanChecks.RequireFinite(weights, nameof(weights));
        Span<float> groupScales = stackalloc float[16];
        Span<byte> codes = stackalloc byte[ValuesPerBlock];   // q + 32, 0..63
        for (int b = 0; b < blocks; b++)
        {
            var x = weights.Slice(b * ValuesPerBlock, ValuesPerBlock);
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            float maxGroupScale = 0;
            for (int g = 0; g < 16; g++)
            {
                float amax = 0;
                foreach (float v in x.Slice(16 * g, 16))
                    amax = MathF.Max(amax, MathF.Abs(v));
                groupScales[g] = amax / 31;
                maxGroupScale = MathF.Max(maxGroupScale, groupScales[g]);
            }
            Half dHalf = (Half)(maxGroupScale / 127);
            if (Half.IsInfinity(dHalf))
                throw new ArgumentException($"{nameof(weights)} block {b} is too large for a Q6_K f16 scale.", nameof(weights));
            float d = (float)dHalf;
            for (int g = 0; g < 16; g++)
            {
                int scale = d == 0 ? 0 : Math.Clamp((int)MathF.Round(groupScales[g] / d), -128, 127);
                block[ScalesOffset + g] = (byte)(sbyte)scale;
                float step = d * scale;
                for (int i = 16 * g; i < 16 * g + 16; i++)
                    codes[i] = (byte)(32 + (step == 0 ? 0 : Math.Clamp((int)MathF.Round(x[i] / step), -32, 31)));
            }
            PackCodes(codes, block);
            BinaryPrimitives.WriteHalfLittleEndian(block[DOffset..], dHalf);
        }
    }

    static void PackCodes(ReadOnlySpan<byte> codes, Span<byte> block)
    {
        for (int half = 0; half < 2; half++)
        {
            var q = codes.Slice(128 * half, 128);
            var ql = block.Slice(64 * half, 64);
            var qh = block.Slice(QhOffset + 32 * half, 32);
            for (int l = 0; l < 32; l++)
            {
                ql[l] = (byte)((q[l] & 0xF) | ((q[l + 64] & 0xF) << 4));
                ql[l + 32] = (byte)((q[l + 32] & 0xF) | ((q[l + 96] & 0xF) << 4));
                qh[l] = (byte)((q[l] >> 4) | ((q[l + 32] >> 4) << 2) | ((q[l + 64] >> 4) << 4) | ((q[l + 96] >> 4) << 6));
            }
        }
    }

    /// <returns>the number of blocks</returns>
    static int CheckSizes(int valueCount, int byteCount, string valuesParam, string bytesParam)
    {
        int blocks = SpanChecks.BlockCount(valueCount, ValuesPerBlock, Format, valuesParam);
        SpanChecks.RequireLength(byteCount, (long)blocks * BytesPerBlock, bytesParam);
        return blocks;
    }
}
