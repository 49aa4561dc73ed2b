using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// Q4_K: 256-value super-blocks of 144 bytes: the f16 super-scales d and dmin, 12 bytes holding eight 6-bit
/// (scale, min) pairs, then qs[128] (4-bit codes). Sub-block j (values 32j .. 32j + 31) dequantizes as
/// value = d·scale_j · q − dmin·min_j, q in 0..15. Chunk i (values 64i .. 64i + 63) keeps its first 32 codes in the
/// low nibbles of qs[32i .. 32i + 31] and its last 32 in the high nibbles.
/// <para>
/// This is llama.cpp's default for a token embedding when it quantizes a model to TQ1_0 or TQ2_0 (the output stays Q6_K).
/// </para>
/// </summary>
public static class Q4_K
{
    public const int ValuesPerBlock = 256;
    public const int BytesPerBlock = 144;
    public const int SubBlocks = 8;
    const int DOffset = 0, DMinOffset = 2, ScalesOffset = 4, QsOffset = 16;
    const string Format = "Q4_K";

    /// <summary>ggml's dequantize_row_q4_K, in float32 and its order: (d · scale) · q − (dmin · min).</summary>
    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = CheckSizes(destination.Length, source.Length, nameof(destination), nameof(source));
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BytesPerBlock, BytesPerBlock);
            var y = destination.Slice(b * ValuesPerBlock, ValuesPerBlock);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block[DOffset..]);
            float dMin = (float)BinaryPrimitives.ReadHalfLittleEndian(block[DMinOffset..]);
            var scales = block.Slice(ScalesOffset, 12);
            for (int chunk = 0; chunk < 4; chunk++)
            {
                var qs = block.Slice(QsOffset + 32 * chunk, 32);
                var (lowScale, lowMin) = ScaleAndMin(scales, 2 * chunk);
                var (highScale, highMin) = ScaleAndMin(scales, 2 * chunk + 1);
                float lowStep = d * lowScale, lowOffset = dMin * lowMin;
                float highStep = d * highScale, highOffset = dMin * highMin;
                for (int l = 0; l < 32; l++)
                {
                    y[64 * chunk + l] = lowStep * (qs[l] & 0xF) - lowOffset;
                    y[64 * chunk + 32 + l] = highStep * (qs[l] >> 4) - highOffset;
                }
            }
        }
    }

    /// <summary>
    /// Sub-block j's 6-bit scale and min from the 12 packed bytes: j &lt; 4 take the low 6 bits of bytes j and j + 4;
    /// j ≥ 4 take a nibble of byte j + 4 and the top 2 bits of bytes j − 4 (scale) and j (min).
    /// </summary>
    public static (int Scale, int Min) ScaleAndMin(ReadOnlySpan<byte> scales, int j) => j < 4
        ? (scales[j] & 63, scales[j + 4] & 63)
        : ((scales[j + 4] & 0xF) | (scales[j - 4] >> 6) << 4, (scales[j + 4] >> 4) | (scales[j] >> 6) << 4);

    /// <summary>
    /// A simple quantizer that writes valid blocks (not ggml's search for the best scales): sub-block j covers
    /// [min(0, min x), max(0, max x)] in 15 steps; d and dmin are the largest step and offset / 63.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> weights, Span<byte> destination)
    {
        int blocks = CheckSizes(weights.Length, destination.Length, nameof(weights), nameof(destination));
        SpanChecks.RequireFinite(weights, nameof(weights));
        Span<float> steps = stackalloc float[SubBlocks], offsets = stackalloc float[SubBlocks];
        Span<int> scaleCodes = stackalloc int[SubBlocks], minCodes = stackalloc int[SubBlocks];
        for (int b = 0; b < blocks; b++)
        {
            var x = weights.Slice(b * ValuesPerBlock, ValuesPerBlock);
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            for (int j = 0; j < SubBlocks; j++)
            {
                float low = 0, high = 0;
                foreach (float v in x.Slice(32 * j, 32)) { low = MathF.Min(low, v); high = MathF.Max(high, v); }
                steps[j] = (high - low) / 15;
                offsets[j] = -low;
            }
            Half d = SuperScale(steps, b, nameof(weights)), dMin = SuperScale(offsets, b, nameof(weights));
            for (int j = 0; j < SubBlocks; j++)
            {
                scaleCodes[j] = SixBitCode(steps[j], (float)d);
                minCodes[j] = SixBitCode(offsets[j], (float)dMin);
            }
            BinaryPrimitives.WriteHalfLittleEndian(block[DOffset..], d);
            BinaryPrimitives.WriteHalfLittleEndian(block[DMinOffset..], dMin);
            PackScales(scaleCodes, minCodes, block.Slice(ScalesOffset, 12));
            for (int j = 0; j < SubBlocks; j++)
            {
                float step = (float)d * scaleCodes[j], offset = (float)dMin * minCodes[j];
                for (int l = 0; l < 32; l++)
                {
                    int q = step == 0 ? 0 : Math.Clamp((int)MathF.Round((x[32 * j + l] + offset) / step), 0, 15);
                    ref byte packed = ref block[QsOffset + 32 * (j / 2) + l];
                    packed = (byte)(j % 2 == 0 ? (packed & 0xF0) | q : (packed & 0x0F) | q << 4);
                }
            }
        }
    }

    static Half SuperScale(ReadOnlySpan<float> values, int block, string param)
    {
        float largest = 0;
        foreach (float v in values) largest = MathF.Max(largest, v);
        var scale = (Half)(largest / 63);
        if (Half.IsInfinity(scale))
            throw new ArgumentException($"{param} block {block} is too large for a Q4_K f16 scale.", param);
        return scale;
    }

    static int SixBitCode(float value, float superScale) => superScale == 0 ? 0 : Math.Clamp((int)MathF.Round(value / superScale), 0, 63);

    /// <summary>The inverse of <see cref="ScaleAndMin"/>.</summary>
    static void PackScales(ReadOnlySpan<int> scaleCodes, ReadOnlySpan<int> minCodes, Span<byte> scales)
    {
        for (int j = 0; j < 4; j++)
        {
            scales[j] = (byte)(scaleCodes[j] | (scaleCodes[j + 4] >> 4) << 6);
            scales[j + 4] = (byte)(minCodes[j] | (minCodes[j + 4] >> 4) << 6);
            scales[j + 8] = (byte)((scaleCodes[j + 4] & 0xF) | (minCodes[j + 4] & 0xF) << 4);
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
