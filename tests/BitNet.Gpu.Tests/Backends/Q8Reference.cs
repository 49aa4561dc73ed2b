using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends;

/// <summary>The int8 output layer's arithmetic on the host (blocks of <see cref="TopRowScreen.BlockSize"/>), to compare
/// the GPU backends (ILGPU, Vulkan) with.</summary>
static class Q8Reference
{
    // scale = max|v| / 127, code = roundHalfEven(v · 127 / max|v|) for each block of 32
    public static (sbyte[] Codes, float[] Scales) Quantize(ReadOnlySpan<float> values)
    {
        var codes = new sbyte[values.Length];
        var scales = new float[values.Length / TopRowScreen.BlockSize];
        for (int b = 0; b < scales.Length; b++)
        {
            var block = values.Slice(b * TopRowScreen.BlockSize, TopRowScreen.BlockSize);
            float largest = 0;
            foreach (float v in block) largest = MathF.Max(largest, MathF.Abs(v));
            float toCodes = largest > 0 ? 127f / largest : 0f;
            for (int j = 0; j < block.Length; j++)
                codes[b * TopRowScreen.BlockSize + j] = (sbyte)Math.Clamp(MathF.Round(block[j] * toCodes), -127f, 127f);
            scales[b] = largest / 127f;
        }
        return (codes, scales);
    }

    /// <summary>Each output y[t, r] equals the host's sum of the same terms within float summation rounding:
    /// γ_n · Σ|term| for each term's two products and a sum over at most blocks·2 chunks.</summary>
    public static void AssertSumsTheSameTerms(float[] y, sbyte[] weightCodes, float[] weightScales, sbyte[] inputCodes, float[] inputScales,
                                              int rows, int cols, int tokens)
    {
        int blocks = cols / TopRowScreen.BlockSize;
        for (int t = 0; t < tokens; t++)
        for (int r = 0; r < rows; r++)
        {
            var (sum, magnitude) = Dot(weightCodes, weightScales, r, inputCodes, inputScales, t, cols);
            double bound = (2 * blocks + 3) * Math.ScaleB(1.0, -24) * magnitude * 1.01 + 1e-30;
            float actual = y[t * rows + r];
            Assert.True(Math.Abs(actual - sum) <= bound, $"token {t}, row {r}: {actual}, host {sum} (bound {bound:E2})");
        }
    }

    /// <summary>Σ_b (ws[r, b] · xs[t, b]) · Σ_j w[r, 32b + j] · x[t, 32b + j] for one row and token, in double, with Σ|term|
    /// (what float summation's rounding scales with).</summary>
    public static (double Sum, double Magnitude) Dot(sbyte[] weightCodes, float[] weightScales, int row,
                                                     sbyte[] inputCodes, float[] inputScales, int token, int cols)
    {
        int blocks = cols / TopRowScreen.BlockSize;
        double sum = 0, magnitude = 0;
        for (int b = 0; b < blocks; b++)
        {
            int dot = 0;   // exact in the host's integers as in the device's
            for (int j = 0; j < TopRowScreen.BlockSize; j++)
                dot += weightCodes[row * cols + b * TopRowScreen.BlockSize + j] * inputCodes[token * cols + b * TopRowScreen.BlockSize + j];
            double term = (double)(weightScales[row * blocks + b] * inputScales[token * blocks + b]) * dot;
            sum += term;
            magnitude += Math.Abs(term);
        }
        return (sum, magnitude);
    }
}
