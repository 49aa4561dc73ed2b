using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// x rounded to int16 for the integer dot products of the dense kernels (Q8_0, Q4_K, the output screen): x ≈ step·q
/// with step = max|x| / 32767 (or a smaller largest code), so each value moves by at most step/2.
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
        // Aligned: every row loads it. Only the integer paths need it.
        var xq = roundX ? (short*)NativeMemory.AlignedAlloc((nuint)cols * sizeof(short), 64) : null;
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

    /// <summary>
    /// q = round(x / step), |q| ≤ <paramref name="largest"/>, step = max|x| / largest; returns step. When step is 0 or not
    /// finite (x all zeros, or an Inf/NaN in x) every q is 0.
    /// </summary>
    public static float Round(ReadOnlySpan<float> x, short* q, int largest = short.MaxValue)
    {
        float largestAbs = 0;
        foreach (float value in x) largestAbs = MathF.Max(largestAbs, MathF.Abs(value));
        float step = largestAbs / largest;
        float inverse = step > 0 && float.IsFinite(step) ? 1 / step : 0;
        for (int c = 0; c < x.Length; c++) q[c] = (short)Math.Clamp(MathF.Round(x[c] * inverse), -largest, largest);
        return step;
    }
}
