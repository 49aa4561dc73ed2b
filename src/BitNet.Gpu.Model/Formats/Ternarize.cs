namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// The absmean ternarization bitnet.cpp's converters apply to bf16 master weights
/// (utils/preprocess-huggingface-bitnet.py, convert-hf-to-gguf-bitnet.py), all in float32:
/// s = 1 / max(mean|W|, 1e-5); t = clamp(round_half_even(W·s), -1, 1); the weight becomes t / s.
/// </summary>
public static class Ternarize
{
    const float MinMean = 1e-5f;

    /// <summary>
    /// Writes t for every weight and returns the scale 1/s (as float32 computes it), the magnitude of every
    /// nonzero weight t/s. Returns 0 when every t is 0, as bitnet.cpp's I2_S quantizer then stores max|t/s| = 0.
    /// </summary>
    public static float Absmean(ReadOnlySpan<float> weights, Span<sbyte> ternary)
    {
        SpanChecks.RequireLength(ternary.Length, weights.Length, nameof(ternary));
        if (weights.IsEmpty)
            throw new ArgumentException("Cannot ternarize an empty tensor.", nameof(weights));
        SpanChecks.RequireFinite(weights, nameof(weights));

        float s = 1f / MathF.Max(MeanAbs(weights), MinMean);
        bool anyNonzero = false;
        for (int i = 0; i < weights.Length; i++)
        {
            float t = Math.Clamp(MathF.Round(weights[i] * s, MidpointRounding.ToEven), -1f, 1f);
            ternary[i] = (sbyte)t;
            anyNonzero |= t != 0;
        }
        return anyNonzero ? 1f / s : 0f;
    }

    /// <summary>mean(|w|) in float32 as numpy computes it: float32 pairwise sum, then divided by the count.</summary>
    internal static float MeanAbs(ReadOnlySpan<float> weights)
    {
        var magnitudes = new float[weights.Length];
        for (int i = 0; i < weights.Length; i++)
            magnitudes[i] = MathF.Abs(weights[i]);
        // numpy divides the float32 sum by the int64 count in double, then rounds to float32.
        return (float)(NumpySum.Float32(magnitudes) / (double)weights.Length);
    }
}
