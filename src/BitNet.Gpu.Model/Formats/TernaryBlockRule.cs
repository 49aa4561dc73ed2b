namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// How llama.cpp ternarizes a 256-value block for TQ1_0 and TQ2_0 (ggml-quants.c quantize_row_tq*_0_ref and
/// gguf-py quants.py, which agree): d = max|x|, t = round_half_away(x · (1/d)) in float32, d stored as f16.
/// </summary>
internal static class TernaryBlockRule
{
    public static Half Quantize(ReadOnlySpan<float> block, Span<sbyte> ternary)
    {
        float amax = 0;
        foreach (float x in block)
            amax = MathF.Max(amax, MathF.Abs(x));
        float inverse = amax != 0 ? 1f / amax : 0f;
        for (int i = 0; i < block.Length; i++)
            ternary[i] = (sbyte)MathF.Round(block[i] * inverse, MidpointRounding.AwayFromZero);   // |x·(1/d)| ≤ 1 + 1 ulp
        return (Half)amax;
    }

    /// <summary>Quantizes every whole block of <paramref name="weights"/> into ternary values and one scale per block.</summary>
    public static void QuantizeBlocks(ReadOnlySpan<float> weights, int valuesPerBlock, out sbyte[] ternary, out Half[] scales)
    {
        int blocks = weights.Length / valuesPerBlock;
        ternary = new sbyte[weights.Length];
        scales = new Half[blocks];
        for (int b = 0; b < blocks; b++)
        {
            var range = new Range(b * valuesPerBlock, (b + 1) * valuesPerBlock);
            scales[b] = Quantize(weights[range], ternary.AsSpan(range));
        }
    }
}
