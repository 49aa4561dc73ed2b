using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>Seeded random inputs and the SIMD paths to test.</summary>
internal static class KernelTestData
{
    /// <summary>Every path this machine supports (xunit member data).</summary>
    public static TheoryData<SimdPath> SupportedPaths()
    {
        var data = new TheoryData<SimdPath>();
        foreach (var path in SimdSupport.Supported) data.Add(path);
        return data;
    }

    public static float[] Floats(Random random, int count, float magnitude = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * magnitude);
        return values;
    }

    public static sbyte[] Ternary(Random random, int count)
    {
        var values = new sbyte[count];
        for (int i = 0; i < count; i++) values[i] = (sbyte)random.Next(-1, 2);
        return values;
    }

    /// <summary>int8 activations covering the whole range, -128 and 127 included.</summary>
    public static sbyte[] Int8(Random random, int count)
    {
        var values = new sbyte[count];
        for (int i = 0; i < count; i++) values[i] = (sbyte)random.Next(-128, 128);
        return values;
    }

    public static float[] Poisoned(int count)
    {
        var values = new float[count];
        Array.Fill(values, float.NaN);
        return values;
    }

    /// <summary>
    /// Asserts y = W·x (rows × cols, <paramref name="weights"/> row-major) for a product that may round x to int16
    /// (step = max|x| / 32767): each row within Σ|w|·step/2 (1% margin for the bound's own rounding) plus 1e-5 of Σ|w·x|
    /// for the float summation order.
    /// </summary>
    public static void AssertWithinInt16Rounding(double[] weights, int rows, int cols, float[] x, ReadOnlySpan<float> y, string what)
    {
        double step = x.Max(Math.Abs) / short.MaxValue;
        AssertWithinRounding(weights, rows, cols, x, y, _ => step, what);
    }

    /// <summary>
    /// The same for a product that may round x to int8 per block of <paramref name="blockValues"/>
    /// (step_b = max|x in b| / 127, as llama.cpp's Q8_K): each row within Σ_c |w_c|·step_b(c)/2 plus 1e-5 of Σ|w·x|.
    /// <paramref name="rounded"/> false: x used as is, only the 1e-5.
    /// </summary>
    public static void AssertWithinBlockInt8Rounding(double[] weights, int rows, int cols, float[] x, ReadOnlySpan<float> y, bool rounded,
        string what, int blockValues = 256)
    {
        var steps = new double[cols / blockValues];
        for (int b = 0; b < steps.Length; b++)
            steps[b] = rounded ? x.Skip(b * blockValues).Take(blockValues).Max(Math.Abs) / 127 : 0;
        AssertWithinRounding(weights, rows, cols, x, y, c => steps[c / blockValues], what);
    }

    /// <summary>Each row within Σ_c |w_c|·step(c)/2 (1% margin) plus 1e-5 of Σ|w·x|.</summary>
    static void AssertWithinRounding(double[] weights, int rows, int cols, float[] x, ReadOnlySpan<float> y, Func<int, double> stepOf, string what)
    {
        for (int r = 0; r < rows; r++)
        {
            double expected = 0, magnitude = 0, roundingBound = 0;
            for (int c = 0; c < cols; c++)
            {
                double w = weights[r * cols + c];
                expected += w * x[c];
                magnitude += Math.Abs(w * x[c]);
                roundingBound += Math.Abs(w) * stepOf(c) / 2;
            }
            double tolerance = roundingBound * 1.01 + 1e-5 * magnitude + 1e-30;
            Assert.True(Math.Abs(y[r] - expected) <= tolerance, $"{what}: row {r} is {y[r]}, expected {expected} (tolerance {tolerance:E2})");
        }
    }

    /// <summary>Asserts |actual - expected| ≤ relative · max(|expected|, floor) element-wise.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double floor = 1e-6, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), floor);
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tolerance}).");
        }
    }
}
