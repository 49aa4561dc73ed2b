using System.Numerics;
using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Dense float matrix-vector product for embeddings/outputs that are not F16 (F32, BF16, Q8_0, Q6_K dequantized at load):
/// y[r] = Σ_c w[r, c] · x[c], rows split over the pool.
/// </summary>
public static class F32MatVec
{
    /// <param name="w">rows × cols, row-major.</param>
    public static void Multiply(ReadOnlyMemory<float> w, int rows, int cols, ReadOnlyMemory<float> x, Memory<float> y, KernelThreadPool pool)
    {
        if (w.Length != (long)rows * cols) throw new ArgumentException($"Expected {(long)rows * cols} weights, got {w.Length}.", nameof(w));
        if (x.Length != cols) throw new ArgumentException($"Expected {cols} inputs, got {x.Length}.", nameof(x));
        if (y.Length != rows) throw new ArgumentException($"Expected {rows} outputs, got {y.Length}.", nameof(y));
        pool.For(rows, (start, end) =>
        {
            var input = x.Span;
            var output = y.Span;
            var weights = w.Span;
            for (int r = start; r < end; r++)
                output[r] = Dot(weights.Slice(r * cols, cols), input);
        });
    }

    // Σ a[i]·b[i] with vector accumulators
    static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var sum = Vector<float>.Zero;
        for (int i = 0; i < va.Length; i++) sum += va[i] * vb[i];
        float total = Vector.Sum(sum);
        for (int i = va.Length * Vector<float>.Count; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }
}
