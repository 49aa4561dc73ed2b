namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>RMS normalization: y = x / sqrt(mean(x²) + eps) · weight.</summary>
public static unsafe class RmsNorm
{
    /// <param name="x">n values.</param>
    /// <param name="weight">n values.</param>
    /// <param name="y">n values, overwritten (may be <paramref name="x"/> itself).</param>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float epsilon, Span<float> y)
    {
        if (weight.Length != x.Length) throw new ArgumentException($"Expected {x.Length} weights, got {weight.Length}.", nameof(weight));
        if (y.Length != x.Length) throw new ArgumentException($"Expected {x.Length} outputs, got {y.Length}.", nameof(y));
        if (x.Length == 0) return;
        fixed (float* xp = x)
        fixed (float* wp = weight)
        fixed (float* yp = y)
        {
            float meanSquare = FloatMath.Dot(xp, xp, x.Length) / x.Length;
            float inverseRms = 1f / MathF.Sqrt(meanSquare + epsilon);
            FloatMath.Scale(yp, inverseRms, xp, x.Length);
            ElementWise.Multiply(new ReadOnlySpan<float>(yp, y.Length), weight, y);
        }
    }
}
