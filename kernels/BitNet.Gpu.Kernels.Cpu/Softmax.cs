namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>In-place softmax: x[i] = exp(x[i] - max x) / Σ exp(x[j] - max x).</summary>
public static unsafe class Softmax
{
    public static void Apply(Span<float> x)
    {
        if (x.Length == 0) return;
        fixed (float* p = x) Apply(p, x.Length);
    }

    internal static void Apply(float* x, int n)
    {
        float max = FloatMath.Max(x, n);
        float sum = FloatMath.ExpShiftedInPlace(x, max, n);
        FloatMath.Scale(x, 1f / sum, x, n);
    }
}
