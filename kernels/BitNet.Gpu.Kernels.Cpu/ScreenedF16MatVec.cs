using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// An f16 matrix × f32 vector for when only the k largest outputs matter (a top-k or greedy sampler reading the logits):
/// y[r] = Σ_c W[r, c]·x[c] for every row that can be among the k largest, computed from the f16 weights exactly as
/// <see cref="F16MatVec"/> computes it; every other y[r] = -∞.
/// <para>
/// How. An int8 copy of the matrix (one scale per row, half the bytes of f16) gives every row an estimate e[r] with a
/// guaranteed error bound b[r] = errorPerAbsX[r] · Σ|x| (the row's largest rounding error of its int8 weights, plus the
/// float rounding of both sums). Let τ be the k-th largest lower bound e − b. A row with e + b &lt; τ has k rows certainly
/// above it, so it cannot be among the k largest; only the others are read again in f16. For the 2B4T output layer about
/// 1% of the rows survive (top-40), so a token reads ~0.33 GB instead of 0.66 GB.
/// </para>
/// </summary>
public sealed unsafe class ScreenedF16MatVec : IDisposable
{
    /// <summary>When more rows than this share survive the screen, the full product is cheaper.</summary>
    const int FullProductDivisor = 8;

    sbyte* _codes;                    // rows × cols, in large pages
    readonly float[] _scales;         // per row: W ≈ scale · code
    readonly float[] _errorPerAbsX;   // per row: |estimate − exact| ≤ this · Σ|x|

    ScreenedF16MatVec(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        _codes = (sbyte*)LargePageMemory.Allocate((long)rows * cols);
        _scales = new float[rows];
        _errorPerAbsX = new float[rows];
    }

    public int Rows { get; }
    public int Cols { get; }

    /// <summary>Bytes of the int8 copy (what one screen reads, the scales aside).</summary>
    public long ByteSize => (long)Rows * Cols;

    /// <summary>Builds the int8 copy of <paramref name="w"/> (rows × cols halves); null when a weight is not finite.</summary>
    public static ScreenedF16MatVec? Create(ReadOnlySpan<Half> w, int rows, int cols, KernelThreadPool pool)
    {
        F16MatVec.ValidateShape(w, rows, cols, cols, rows, tokens: 1);
        ArgumentNullException.ThrowIfNull(pool);
        var screen = new ScreenedF16MatVec(rows, cols);
        int failed = 0;
        fixed (Half* wFixed = w)
        {
            Half* wp = wFixed;
            pool.For(rows, (first, end) =>
            {
                for (int r = first; r < end; r++)
                    if (!screen.QuantizeRow(r, new ReadOnlySpan<Half>(wp + (long)r * cols, cols))) Volatile.Write(ref failed, 1);
            });
        }
        if (failed == 0) return screen;
        screen.Dispose();
        return null;
    }

    /// <summary>Row r's int8 codes, scale and error bound; false for an Inf or NaN weight.</summary>
    bool QuantizeRow(int r, ReadOnlySpan<Half> row)
    {
        double max = 0;
        foreach (var h in row)
        {
            if (!Half.IsFinite(h)) return false;
            max = Math.Max(max, Math.Abs((double)h));
        }
        float scale = (float)(max / 127);
        sbyte* codes = _codes + (long)r * Cols;
        double largestError = 0;
        for (int c = 0; c < row.Length; c++)
        {
            double value = (double)row[c];
            int code = scale == 0 ? 0 : (int)Math.Clamp(Math.Round(value / scale), -127, 127);
            codes[c] = (sbyte)code;
            largestError = Math.Max(largestError, Math.Abs(value - (double)scale * code));
        }
        // Float rounding of the estimate and of the exact f16 sum: each ≤ γ·Σ|term| with γ = n·u/(1 − n·u), u = 2^-24, and
        // |term| ≤ 127·scale·|x| (the largest weight is 127·scale); three such terms cover both sums and the final products.
        // The factor 1.001 covers the rounding of e ± b itself; the absolute term, products too small for a normal float.
        double gamma = (Cols + 2) * Math.ScaleB(1, -24) / (1 - (Cols + 2) * Math.ScaleB(1, -24));
        double rounding = 3 * gamma * 127 * scale;
        _scales[r] = scale;
        _errorPerAbsX[r] = (float)((largestError + rounding) * 1.001 + 1e-24);
        return true;
    }

    /// <summary>
    /// y = W·x, exact (as <see cref="F16MatVec.Multiply"/>) for every row that can be among the <paramref name="k"/> largest
    /// outputs and for every row in <paramref name="alwaysExact"/>; -∞ for the others.
    /// </summary>
    /// <param name="w">The f16 matrix this screen was built from.</param>
    /// <returns>How many rows were computed from the f16 weights (<see cref="Rows"/> when the full product was cheaper).</returns>
    public int Multiply(ReadOnlySpan<Half> w, ReadOnlySpan<float> x, int k, ReadOnlySpan<int> alwaysExact, Span<float> y, KernelThreadPool pool)
    {
        F16MatVec.ValidateShape(w, Rows, Cols, x.Length, y.Length, tokens: 1);
        ArgumentNullException.ThrowIfNull(pool);
        ObjectDisposedException.ThrowIf(_codes == null, this);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        foreach (int row in alwaysExact)
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(alwaysExact), row, $"Row must be in [0, {Rows}).");

        float absSum = 0;
        foreach (float value in x) absSum += Math.Abs(value);
        if (k >= Rows / FullProductDivisor || !float.IsFinite(absSum))
            return MultiplyAll(w, x, y, pool);

        Estimate(x, y, pool); // y = estimates for now
        float absSumBound = absSum * (1 + 2 * Cols * MathF.ScaleB(1, -24)); // Σ|x| as computed may be a little low
        float threshold = KthLargestLowerBound(y, absSumBound, k, alwaysExact);

        var survivors = new List<int>(4 * k + alwaysExact.Length);
        for (int r = 0; r < Rows; r++)
            if (y[r] + _errorPerAbsX[r] * absSumBound >= threshold) survivors.Add(r);
        foreach (int row in alwaysExact) survivors.Add(row); // a duplicate is computed twice, to the same value
        if (survivors.Count > Rows / FullProductDivisor)
            return MultiplyAll(w, x, y, pool);

        y.Fill(float.NegativeInfinity);
        F16MatVec.MultiplyRows(w, Rows, Cols, x, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(survivors), y, pool);
        return survivors.Count;
    }

    int MultiplyAll(ReadOnlySpan<Half> w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool)
    {
        F16MatVec.Multiply(w, Rows, Cols, x, y, pool);
        return Rows;
    }

    /// <summary>The k-th largest of estimate − bound over the rows not in <paramref name="alwaysExact"/> (a min-heap of k).</summary>
    float KthLargestLowerBound(ReadOnlySpan<float> estimates, float absSumBound, int k, ReadOnlySpan<int> alwaysExact)
    {
        var excluded = new HashSet<int>();
        foreach (int row in alwaysExact) excluded.Add(row);
        var largest = new PriorityQueue<int, float>(k + 1); // priority = lower bound; the smallest kept is at the top
        for (int r = 0; r < Rows; r++)
        {
            float lower = estimates[r] - _errorPerAbsX[r] * absSumBound;
            if (largest.Count == k && largest.TryPeek(out _, out float kth) && lower <= kth) continue;
            if (excluded.Count > 0 && excluded.Contains(r)) continue;
            largest.Enqueue(r, lower);
            if (largest.Count > k) largest.Dequeue();
        }
        return largest.Count == k && largest.TryPeek(out _, out float threshold) ? threshold : float.NegativeInfinity;
    }

    // e[r] = scale[r] · Σ_c code[r, c]·x[c]
    void Estimate(ReadOnlySpan<float> x, Span<float> estimates, KernelThreadPool pool)
    {
        fixed (float* xFixed = x)
        fixed (float* eFixed = estimates)
        {
            float* xp = xFixed, ep = eFixed;
            pool.For(Rows, (first, end) =>
            {
                for (int r = first; r < end; r++) ep[r] = _scales[r] * DotCodes(_codes + (long)r * Cols, xp, Cols);
            });
        }
    }

    /// <summary>Σ code[c]·x[c] for one row of int8 codes.</summary>
    static float DotCodes(sbyte* codes, float* x, int cols)
    {
        int c = 0;
        float sum = 0;
        if (Avx512F.IsSupported)
        {
            // Four accumulators: with two, the FMA latency and not the memory set the pace.
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; c + 64 <= cols; c += 64)
            {
                a0 = Vector512.FusedMultiplyAdd(Widen512(codes + c), Vector512.Load(x + c), a0);
                a1 = Vector512.FusedMultiplyAdd(Widen512(codes + c + 16), Vector512.Load(x + c + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(Widen512(codes + c + 32), Vector512.Load(x + c + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(Widen512(codes + c + 48), Vector512.Load(x + c + 48), a3);
            }
            for (; c + 16 <= cols; c += 16) a0 = Vector512.FusedMultiplyAdd(Widen512(codes + c), Vector512.Load(x + c), a0);
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (Avx2.IsSupported)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; c + 16 <= cols; c += 16)
            {
                a0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes + c)), Vector256.Load(x + c), a0);
                a1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes + c + 8)), Vector256.Load(x + c + 8), a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; c < cols; c++) sum += codes[c] * x[c];
        return sum;
    }

    /// <summary>16 int8 codes as floats.</summary>
    static Vector512<float> Widen512(sbyte* codes) => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(codes)));

    public void Dispose()
    {
        LargePageMemory.Free(_codes);
        _codes = null;
    }
}
