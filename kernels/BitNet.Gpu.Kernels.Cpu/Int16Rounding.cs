using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// x rounded to int16 for the integer dot products of the dense kernels (Q6_K, Q8_0): x ≈ step·q with
/// step = max|x| / 32767, so each value moves by at most step/2, 2^-16 of max|x|.
/// </summary>
internal static unsafe class Int16Rounding
{
    /// <summary>One output row from x as floats (xp) or rounded (xq, step), whichever the kernel's path uses.</summary>
    public delegate float RowDot(int row, float* x, short* xq, float step);

    /// <summary>
    /// The frame the dense kernels share: checks the shapes, rounds x into aligned scratch when
    /// <paramref name="roundX"/>, and computes every y[r] = <paramref name="dot"/>(r, ...) in one parallel loop.
    /// </summary>
    public static void MultiplyRows(int rows, int cols, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool, bool roundX, RowDot dot)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (x.Length != cols) throw new ArgumentException($"Expected {cols} inputs, got {x.Length}.", nameof(x));
        if (y.Length != rows) throw new ArgumentException($"Expected {rows} outputs, got {y.Length}.", nameof(y));
        var xq = (short*)NativeMemory.AlignedAlloc((nuint)cols * sizeof(short), 64); // aligned: every row loads it
        try
        {
            float step = roundX ? Round(x, xq) : 0;
            fixed (float* xFixed = x)
            fixed (float* yFixed = y)
            {
                float* xp = xFixed, yp = yFixed;
                pool.For(rows, (first, end) =>
                {
                    for (int r = first; r < end; r++) yp[r] = dot(r, xp, xq, step);
                });
            }
        }
        finally
        {
            NativeMemory.AlignedFree(xq);
        }
    }

    /// <summary>q = round(x / step), |q| ≤ 32767; returns step (0 when x is all zeros).</summary>
    static float Round(ReadOnlySpan<float> x, short* q)
    {
        float largestAbs = 0;
        foreach (float value in x) largestAbs = MathF.Max(largestAbs, MathF.Abs(value));
        float step = largestAbs / short.MaxValue;
        float inverse = step > 0 ? 1 / step : 0;
        for (int c = 0; c < x.Length; c++) q[c] = (short)Math.Clamp(MathF.Round(x[c] * inverse), -short.MaxValue, short.MaxValue);
        return step;
    }
}
