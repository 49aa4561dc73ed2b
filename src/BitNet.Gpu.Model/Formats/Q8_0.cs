using System.Buffers.Binary;

namespace BitNet.Gpu.Model.Formats;

/// <summary>Q8_0: 32-value blocks of 34 bytes, an f16 scale d then 32 int8 q; value = q · d.</summary>
public static class Q8_0
{
    public const int ValuesPerBlock = 32;
    public const int BytesPerBlock = 34;
    const int CodesOffset = 2;
    const string Format = "Q8_0";

    public static void Dequantize(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int blocks = CheckSizes(destination.Length, source.Length, nameof(destination), nameof(source));
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (int j = 0; j < ValuesPerBlock; j++)
                destination[b * ValuesPerBlock + j] = (sbyte)block[CodesOffset + j] * d;
        }
    }

    /// <summary>Values that share one scale in <see cref="ToCodes"/> (a block).</summary>
    public const int ValuesPerGroup = ValuesPerBlock;

    /// <summary>
    /// The blocks as their int8 codes and one float scale d per block: value = groupScales[i / 32] · codes[i], exactly
    /// <see cref="Dequantize"/>'s value. Lets a kernel read one byte a value instead of a float.
    /// </summary>
    public static void ToCodes(ReadOnlySpan<byte> source, Span<sbyte> codes, Span<float> groupScales)
    {
        int blocks = CheckSizes(codes.Length, source.Length, nameof(codes), nameof(source));
        SpanChecks.RequireLength(groupScales.Length, blocks, nameof(groupScales));
        for (int b = 0; b < blocks; b++)
        {
            var block = source.Slice(b * BytesPerBlock, BytesPerBlock);
            groupScales[b] = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (int j = 0; j < ValuesPerBlock; j++)
                codes[b * ValuesPerBlock + j] = (sbyte)block[CodesOffset + j];
        }
    }

    /// <summary>
    /// gguf-py's (and ggml's reference) Q8_0 quantizer, in float32: d = max|x| / 127, q = round_half_away(x · (1/d)),
    /// d stored as f16.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> weights, Span<byte> destination)
    {
        int blocks = CheckSizes(weights.Length, destination.Length, nameof(weights), nameof(destination));
        SpanChecks.RequireFinite(weights, nameof(weights));
        for (int b = 0; b < blocks; b++)
        {
            var x = weights.Slice(b * ValuesPerBlock, ValuesPerBlock);
            var block = destination.Slice(b * BytesPerBlock, BytesPerBlock);
            float amax = 0;
            foreach (float v in x)
                amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127;
            float inverse = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            for (int j = 0; j < ValuesPerBlock; j++)
                block[CodesOffset + j] = (byte)(sbyte)MathF.Round(x[j] * inverse, MidpointRounding.AwayFromZero);
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
