using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// An f16 matrix × f32 vector for when only the k largest outputs matter (a top-k or greedy sampler reading the logits):
/// y[r] = Σ_c W[r, c]·x[c] for every row that can be among the k largest, computed from the f16 weights exactly as
/// <see cref="F16MatVec"/> computes it; every other y[r] = -∞.
/// <para>
/// How. An int8 copy of the matrix (one scale per row, half the bytes of f16) gives every row an estimate e[r], computed
/// with integer arithmetic against x rounded to int16 (x ≈ step·q), with a guaranteed error bound
/// b[r] = errorPerAbsX[r]·Σ|x| + 127·scale[r]·Σ|x − step·q|: the row's largest rounding error of its int8 weights and the
/// float rounding of both products, plus what rounding x can change. Let τ be the k-th largest lower bound e − b. A row
/// with e + b &lt; τ has k rows certainly above it, so it cannot be among the k largest; only the others are read again in
/// f16. For the 2B4T output layer about 1% of the rows survive (top-40), so a token reads ~0.33 GB instead of 0.66 GB.
/// </para>
/// </summary>
public sealed unsafe class ScreenedF16MatVec : IDisposable
{
    /// <summary>When more rows than this share survive the screen, the full product is cheaper.</summary>
    const int FullProductDivisor = 8;

    sbyte* _codes;                    // rows × cols, in large pages
    readonly float[] _scales;         // per row: W ≈ scale · code
    readonly float[] _errorPerAbsX;   // per row: |estimate − exact| ≤ this · Σ|x|
    bool _weightsHaveSubnormals;      // how full products of several vectors convert the f16 weights (F16MatMul)

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
                var values = ArrayPool<float>.Shared.Rent(cols);
                for (int r = first; r < end; r++)
                    if (!screen.QuantizeRow(r, new ReadOnlySpan<Half>(wp + (long)r * cols, cols), values.AsSpan(0, cols))) Volatile.Write(ref failed, 1);
                ArrayPool<float>.Shared.Return(values);
            });
        }
        screen._weightsHaveSubnormals = HalfConversion.HasSubnormal(w);
        if (failed == 0) return screen;
        screen.Dispose();
        return null;
    }

    /// <summary>Row r's int8 codes, scale and error bound; false for an Inf or NaN weight. <paramref name="values"/> is scratch.</summary>
    bool QuantizeRow(int r, ReadOnlySpan<Half> row, Span<float> values)
    {
        HalfConversion.ToSingle(row, values); // exact: every f16 value is a float
        float largest = LargestMagnitude(values);
        if (!float.IsFinite(largest)) return false;
        float scale = (float)(largest / 127.0);
        float largestError = WriteCodes(values, scale, new Span<sbyte>(_codes + (long)r * Cols, Cols));
        // |v − scale·code| was evaluated in float: the product and the difference each round by at most 2^-24 of a value
        // ≤ 128·scale. Float rounding of the estimate and of the exact f16 sum: each ≤ γ·Σ|term| with γ = n·u/(1 − n·u),
        // u = 2^-24, and |term| ≤ 127·scale·|x| (the largest weight is 127·scale); three such terms cover both sums and
        // the final products. The factor 1.001 covers the rounding of e ± b itself; the absolute term, products too small
        // for a normal float.
        double evaluation = Math.ScaleB(2 * 128.0 * scale, -24);
        double gamma = (Cols + 2) * Math.ScaleB(1, -24) / (1 - (Cols + 2) * Math.ScaleB(1, -24));
        double rounding = 3 * gamma * 127 * scale;
        _scales[r] = scale;
        _errorPerAbsX[r] = (float)((largestError + evaluation + rounding) * 1.001 + 1e-24);
        return true;
    }

    /// <summary>max |v|, or NaN when a value is not finite.</summary>
    static float LargestMagnitude(ReadOnlySpan<float> values)
    {
        var infinity = Vector256.Create(float.PositiveInfinity);
        var largest = Vector256<float>.Zero;
        var finite = Vector256<float>.AllBitsSet; // lanes stay set while every |v| < ∞ (false for NaN too)
        int c = 0;
        for (; c + 8 <= values.Length; c += 8)
        {
            var magnitude = Vector256.Abs(Vector256.Create(values.Slice(c, 8)));
            largest = Vector256.Max(largest, magnitude);
            finite &= Vector256.LessThan(magnitude, infinity);
        }
        if (finite.AsUInt32() != Vector256<uint>.AllBitsSet) return float.NaN; // compared as bits: all-ones is a NaN as a float
        float max = 0;
        for (int i = 0; i < 8; i++) max = MathF.Max(max, largest[i]);
        for (; c < values.Length; c++)
        {
            if (!float.IsFinite(values[c])) return float.NaN;
            max = MathF.Max(max, MathF.Abs(values[c]));
        }
        return max;
    }

    /// <summary>codes = round(v / scale) in [-127, 127]; returns max |v − scale·code| as evaluated in float.</summary>
    static float WriteCodes(ReadOnlySpan<float> values, float scale, Span<sbyte> codes)
    {
        if (scale == 0)
        {
            codes.Clear(); // every value is 0
            return 0;
        }
        var scaleVector = Vector256.Create(scale);
        var inverse = Vector256.Create(1 / scale); // codes need not be the nearest: the error is measured for the ones chosen
        var limit = Vector256.Create(127f);
        var largestError = Vector256<float>.Zero;
        Span<Vector256<int>> quarters = stackalloc Vector256<int>[4];
        int c = 0;
        for (; c + 32 <= values.Length; c += 32)
        {
            for (int q = 0; q < 4; q++)
            {
                var v = Vector256.Create(values.Slice(c + 8 * q, 8));
                var code = Vector256.Clamp(Vector256.Round(v * inverse), -limit, limit);
                largestError = Vector256.Max(largestError, Vector256.Abs(v - scaleVector * code));
                quarters[q] = Vector256.ConvertToInt32(code);
            }
            var packed = Vector256.Narrow(Vector256.Narrow(quarters[0], quarters[1]), Vector256.Narrow(quarters[2], quarters[3]));
            packed.CopyTo(codes.Slice(c, 32));
        }
        float error = 0;
        for (int i = 0; i < 8; i++) error = MathF.Max(error, largestError[i]);
        for (; c < values.Length; c++)
        {
            float code = Math.Clamp(MathF.Round(values[c] * inverse[0]), -127f, 127f);
            codes[c] = (sbyte)code;
            error = MathF.Max(error, MathF.Abs(values[c] - scale * code));
        }
        return error;
    }

    /// <summary>
    /// y = W·x, exact (as <see cref="F16MatVec.Multiply"/>) for every row that can be among the <paramref name="k"/> largest
    /// outputs and for every row in <paramref name="alwaysExact"/>; -∞ for the others.
    /// </summary>
    /// <param name="w">The f16 matrix this screen was built from.</param>
    /// <returns>How many rows were computed from the f16 weights, and the bytes of weights read.</returns>
    public ScreenedProduct Multiply(ReadOnlySpan<Half> w, ReadOnlySpan<float> x, int k, ReadOnlySpan<int> alwaysExact, Span<float> y, KernelThreadPool pool)
    {
        F16MatVec.ValidateShape(w, Rows, Cols, x.Length, y.Length, tokens: 1);
        ArgumentNullException.ThrowIfNull(pool);
        ObjectDisposedException.ThrowIf(_codes == null, this);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
        foreach (int row in alwaysExact)
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(alwaysExact), row, $"Row must be in [0, {Rows}).");
        if (k >= Rows / FullProductDivisor) return MultiplyAll(w, x, y, pool, screened: false);

        var q = (short*)NativeMemory.AlignedAlloc((nuint)Cols * sizeof(short), 64); // aligned: the dot loads it every row
        var excluded = alwaysExact.ToArray();
        var survivors = ArrayPool<int>.Shared.Rent(Rows / FullProductDivisor + 1);
        try
        {
            var input = QuantizeInput(x, q);
            if (!input.IsFinite) return MultiplyAll(w, x, y, pool, screened: false);

            Array.Sort(excluded);
            float threshold = EstimateAll(q, [input], [k], [excluded], y, pool)[0]; // y = upper bounds for now
            int count = CollectSurvivors(y, threshold, survivors);         // y = -∞ from here on
            if (count < 0 || count + excluded.Length > Rows / FullProductDivisor) return MultiplyAll(w, x, y, pool, screened: true);

            excluded.CopyTo(survivors, count); // a duplicate is computed twice, to the same value
            count += excluded.Length;
            F16MatVec.MultiplyRows(w, Rows, Cols, x, survivors.AsSpan(0, count), y, pool);
            return new ScreenedProduct(count, ScreenBytes + (long)count * Cols * sizeof(ushort));
        }
        finally
        {
            NativeMemory.AlignedFree(q);
            ArrayPool<int>.Shared.Return(survivors);
        }
    }

    /// <summary>
    /// <see cref="Multiply"/> for several vectors at once (the logits of several sequences in one step), each with its own
    /// <paramref name="k"/> and <paramref name="alwaysExact"/>: y[t] is, to the bit, what <see cref="Multiply"/> gives for
    /// x[t] alone. The estimate pass reads each row of the int8 copy once for every vector (from L1 after the first), so the
    /// screen reads ~0.33 GB for the 2B4T output layer whatever the count, against 0.66 GB for one full f16 pass.
    /// </summary>
    /// <param name="x">vectors × cols, row-major.</param>
    /// <param name="y">vectors × rows, row-major.</param>
    public ScreenedProduct MultiplyBatch(ReadOnlySpan<Half> w, ReadOnlySpan<float> x, int vectors, ReadOnlySpan<int> k,
        IReadOnlyList<ReadOnlyMemory<int>> alwaysExact, Span<float> y, KernelThreadPool pool)
    {
        F16MatVec.ValidateShape(w, Rows, Cols, x.Length, y.Length, vectors);
        ArgumentNullException.ThrowIfNull(pool);
        ObjectDisposedException.ThrowIf(_codes == null, this);
        if (k.Length != vectors || alwaysExact.Count != vectors)
            throw new ArgumentException($"Expected a k and an always-exact list per vector ({vectors}), got {k.Length} and {alwaysExact.Count}.", nameof(k));
        if (vectors == 1) return Multiply(w, x, k[0], alwaysExact[0].Span, y, pool);

        var inputs = new QuantizedInput[vectors];
        var excluded = new int[vectors][];
        var q = (short*)NativeMemory.AlignedAlloc((nuint)((long)vectors * Cols * sizeof(short)), 64);
        try
        {
            bool screenAll = true;
            for (int t = 0; t < vectors; t++)
            {
                if (k[t] < 1) throw new ArgumentOutOfRangeException(nameof(k), k[t], "k must be positive.");
                foreach (int row in alwaysExact[t].Span)
                    if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(alwaysExact), row, $"Row must be in [0, {Rows}).");
                inputs[t] = QuantizeInput(x.Slice(t * Cols, Cols), q + (long)t * Cols);
                excluded[t] = alwaysExact[t].ToArray();
                Array.Sort(excluded[t]);
                screenAll &= k[t] < Rows / FullProductDivisor && inputs[t].IsFinite; // as Multiply: else the full product
            }
            if (!screenAll)
            {
                F16MatMul.Multiply(w, Rows, Cols, x, vectors, y, pool, _weightsHaveSubnormals);
                return new ScreenedProduct(vectors * Rows, (long)Rows * Cols * sizeof(ushort));
            }

            var thresholds = EstimateAll(q, inputs, k, excluded, y, pool); // y = upper bounds for now
            int exactRows = 0;
            long exactBytes = 0;
            var unscreened = new List<int>(); // vectors the screen could not narrow: their full products go together
            for (int t = 0; t < vectors; t++)
            {
                if (FinishVector(w, x.Slice(t * Cols, Cols), y.Slice(t * Rows, Rows), thresholds[t], excluded[t], pool) is not { } product)
                {
                    unscreened.Add(t);
                    continue;
                }
                exactRows += product.ExactRows;
                exactBytes += product.BytesRead;
            }
            if (unscreened.Count > 0)
            {
                MultiplyAllTogether(w, x, unscreened, y, pool);
                exactRows += unscreened.Count * Rows;
                exactBytes += (long)Rows * Cols * sizeof(ushort); // one pass over the f16 weights for all of them
            }
            return new ScreenedProduct(exactRows, ScreenBytes + exactBytes);
        }
        finally
        {
            NativeMemory.AlignedFree(q);
        }
    }

    /// <summary>One vector of a batch after the estimate pass: the rows whose upper bound (in <paramref name="y"/>) reaches
    /// the threshold, and the always-exact ones, computed from the f16 weights; -∞ elsewhere. Returns the f16 rows and bytes,
    /// or null, with nothing computed, when so many rows survive that the full product is cheaper.</summary>
    ScreenedProduct? FinishVector(ReadOnlySpan<Half> w, ReadOnlySpan<float> x, Span<float> y, float threshold, int[] excluded, KernelThreadPool pool)
    {
        var survivors = ArrayPool<int>.Shared.Rent(Rows / FullProductDivisor + 1);
        try
        {
            int count = CollectSurvivors(y, threshold, survivors);
            if (count < 0 || count + excluded.Length > Rows / FullProductDivisor) return null;
            excluded.CopyTo(survivors, count);
            count += excluded.Length;
            F16MatVec.MultiplyRows(w, Rows, Cols, x, survivors.AsSpan(0, count), y, pool);
            return new ScreenedProduct(count, (long)count * Cols * sizeof(ushort));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(survivors);
        }
    }

    /// <summary>
    /// Every vector's upper bounds (estimate + bound) into y[t], in one pass over the rows of the int8 copy, and each
    /// vector's τ: its k-th largest lower bound (estimate − bound) over the rows not in its always-exact list (-∞ when
    /// there are fewer such rows). A vector gets the same bounds alone as in any batch.
    /// </summary>
    // e[t, r] = scale[r] · step_t · Σ_c code[r, c]·q_t[c]
    float[] EstimateAll(short* q, QuantizedInput[] inputs, ReadOnlySpan<int> k, int[][] excludedSorted, Span<float> upperBounds, KernelThreadPool pool)
    {
        int vectors = inputs.Length;
        var largest = new LargestValues[vectors];
        for (int t = 0; t < vectors; t++) largest[t] = new LargestValues(k[t]);
        var ks = k.ToArray();
        var merge = new object();
        var path = SimdSupport.Best;
        fixed (float* uFixed = upperBounds)
        {
            float* up = uFixed;
            pool.For(Rows, (first, end) =>
            {
                var rangeLargest = new LargestValues[vectors];
                for (int t = 0; t < vectors; t++) rangeLargest[t] = new LargestValues(ks[t]);
                var dots = new long[EstimateRowBlock * vectors]; // dots[i·vectors + t]: row r0 + i against vector t
                for (int r0 = first; r0 < end; r0 += EstimateRowBlock)
                {
                    int blockRows = Math.Min(EstimateRowBlock, end - r0);
                    EstimateRowBlockDots(path, r0, blockRows, q, vectors, dots);
                    for (int t = 0; t < vectors; t++)
                        RecordBounds(r0, blockRows, dots, t, vectors, inputs[t], up + (long)t * Rows, rangeLargest[t], excludedSorted[t]);
                }
                lock (merge)
                    for (int t = 0; t < vectors; t++) largest[t].AddAll(rangeLargest[t].Values);
            });
        }
        return largest.Select(l => l.Smallest).ToArray();
    }

    /// <summary>
    /// One vector's upper bounds for a block of rows from their dots (dots[i·vectors + t]), and its lower bounds offered to
    /// <paramref name="largest"/> (outside the always-exact rows).
    /// </summary>
    // e[r] = scale[r] · step · dot;  upper = e + b,  lower = e − b
    void RecordBounds(int r0, int blockRows, long[] dots, int t, int vectors, QuantizedInput input, float* upperBounds,
        LargestValues largest, int[] excludedSorted)
    {
        var scales = _scales.AsSpan(r0, blockRows);
        var errorPerAbsX = _errorPerAbsX.AsSpan(r0, blockRows);
        for (int i = 0; i < scales.Length; i++)
        {
            float scale = scales[i];
            float estimate = (float)(dots[i * vectors + t] * ((double)scale * input.Step));
            float bound = input.ErrorBound(errorPerAbsX[i], scale);
            upperBounds[r0 + i] = estimate + bound;
            float lower = estimate - bound;
            if (largest.WouldKeep(lower) && Array.BinarySearch(excludedSorted, r0 + i) < 0) largest.Add(lower);
        }
    }

    /// <summary>Rows whose estimates are computed together in a batch (see <see cref="EstimateRowBlockDots"/>).</summary>
    const int EstimateRowBlock = 16;

    /// <summary>
    /// dots[i·vectors + t] = Σ_c code[r0 + i, c]·q_t[c] for a block of rows (<see cref="Int8Int16Dot.DotBlock"/>). Four
    /// vectors' int16 activations (20 KB for 2560 columns) stay in L1 while the block's rows pass; the block's codes (40 KB)
    /// come from DRAM for the first four vectors and from L2 for the next four. With eight vectors the pass is bound by its
    /// multiply-adds (one vpdpwssd per 16 columns, row and vector; on AVX-512 one vpmaddwd and one vpaddd per 32), not by
    /// the 0.33 GB of codes.
    /// </summary>
    void EstimateRowBlockDots(SimdPath path, int r0, int blockRows, short* q, int vectors, long[] dots)
    {
        fixed (long* d = dots)
            Int8Int16Dot.DotBlock(path, _codes + (long)r0 * Cols, Cols, blockRows, q, Cols, vectors, Cols, d, vectors);
    }

    /// <summary>
    /// The full products of the batch's <paramref name="vectors"/> in one pass over the f16 weights (<see cref="F16MatMul"/>,
    /// which gives each, to the bit, what <see cref="F16MatVec"/> gives it alone), instead of a pass per vector: with random
    /// weights, where no row can be ruled out, 8 such vectors took 49 ms a step one by one, and one dense pass takes ~33.
    /// </summary>
    void MultiplyAllTogether(ReadOnlySpan<Half> w, ReadOnlySpan<float> x, List<int> vectors, Span<float> y, KernelThreadPool pool)
    {
        int count = vectors.Count;
        var inputs = ArrayPool<float>.Shared.Rent(count * Cols);
        var outputs = ArrayPool<float>.Shared.Rent(count * Rows);
        try
        {
            for (int i = 0; i < count; i++) x.Slice(vectors[i] * Cols, Cols).CopyTo(inputs.AsSpan(i * Cols, Cols));
            F16MatMul.Multiply(w, Rows, Cols, inputs.AsSpan(0, count * Cols), count, outputs.AsSpan(0, count * Rows), pool, _weightsHaveSubnormals);
            for (int i = 0; i < count; i++) outputs.AsSpan(i * Rows, Rows).CopyTo(y.Slice(vectors[i] * Rows, Rows));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputs);
            ArrayPool<float>.Shared.Return(outputs);
        }
    }

    ScreenedProduct MultiplyAll(ReadOnlySpan<Half> w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool, bool screened)
    {
        F16MatVec.Multiply(w, Rows, Cols, x, y, pool);
        return new ScreenedProduct(Rows, (screened ? ScreenBytes : 0) + (long)Rows * Cols * sizeof(ushort));
    }

    /// <summary>What the estimate pass reads: the codes, and a scale and an error bound per row.</summary>
    long ScreenBytes => ByteSize + (long)Rows * 2 * sizeof(float);

    /// <summary>
    /// x as int16 codes for the estimate pass, x ≈ step·q, and what the bounds need: Σ|x| and Σ|x − step·q|, both rounded up.
    /// </summary>
    readonly record struct QuantizedInput(float Step, float AbsSumBound, float RoundingBound)
    {
        public bool IsFinite => float.IsFinite(AbsSumBound) && float.IsFinite(RoundingBound);

        /// <summary>Row r's guaranteed |estimate − exact f16 product|.</summary>
        public float ErrorBound(float errorPerAbsX, float scale) => errorPerAbsX * AbsSumBound + LargestCodeWithMargin * scale * RoundingBound;

        // |Σ code·(x − step·q)| ≤ 127·scale·Σ|x − step·q|; the 0.1% covers the float rounding of this bound and of the estimate.
        const float LargestCodeWithMargin = 127 * 1.001f;
    }

    QuantizedInput QuantizeInput(ReadOnlySpan<float> x, short* q)
    {
        float step = Int16Rounding.Round(x, q, Int8Int16Dot.LargestActivation(Cols));
        double absSum = 0, roundingSum = 0; // NaN or Inf in x make these non-finite: the caller then runs the full product
        for (int c = 0; c < Cols; c++)
        {
            absSum += Math.Abs(x[c]);
            roundingSum += Math.Abs(x[c] - (double)step * q[c]); // exact in double: 24-bit step times a 16-bit code
        }
        // Rounded up: a double sum of Cols terms is within Cols·2^-53 of exact, and the cast to float within 2^-24.
        const double up = 1 + 1.0 / (1 << 20);
        return new QuantizedInput(step, (float)(absSum * up), (float)(roundingSum * up));
    }

    /// <summary>
    /// Writes the rows whose upper bound reaches <paramref name="threshold"/> into <paramref name="survivors"/> and sets
    /// every output to -∞. Returns the count, or -1 when they do not fit.
    /// </summary>
    static int CollectSurvivors(Span<float> upperBounds, float threshold, int[] survivors)
    {
        int count = 0, r = 0;
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        var tau = Vector256.Create(threshold);
        fixed (float* u = upperBounds)
        {
            // 8 rows per compare; nearly every mask is 0, so the pass runs at the speed of the loads.
            for (; r + Vector256<float>.Count <= upperBounds.Length; r += Vector256<float>.Count)
            {
                uint reaching = Vector256.GreaterThanOrEqual(Vector256.Load(u + r), tau).ExtractMostSignificantBits();
                negativeInfinity.Store(u + r);
                for (; reaching != 0; reaching &= reaching - 1)
                {
                    if (count == survivors.Length) return -1;
                    survivors[count++] = r + BitOperations.TrailingZeroCount(reaching);
                }
            }
        }
        for (; r < upperBounds.Length; r++)
        {
            if (upperBounds[r] >= threshold)
            {
                if (count == survivors.Length) return -1;
                survivors[count++] = r;
            }
            upperBounds[r] = float.NegativeInfinity;
        }
        return count;
    }

    public void Dispose()
    {
        LargePageMemory.Free(_codes);
        _codes = null;
    }
}

/// <summary>What one screened product did: rows computed from the f16 weights, and bytes of weights read in all.</summary>
public readonly record struct ScreenedProduct(int ExactRows, long BytesRead);
