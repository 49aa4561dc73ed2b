using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Dense f16 matrix × f32 vector (the tied output projection): y[r] = Σ_c W[r, c]·x[c].
/// <para>
/// Memory bound, so the f16 → f32 conversion must cost a few instructions. Each int32 lane of a load holds two halves:
/// the odd column in its top 16 bits, the even one in its low 16 bits. A half in the top 16 bits, shifted right
/// arithmetically by 3 and masked, is sign | exponent | mantissa as a float equal to W · 2^-112 (see
/// <see cref="HalfConversion"/>); the even half gets there by a shift left of 16 first. That scale is moved onto x (x · 2^64)
/// and the result (y · 2^48), both exact powers of two. The loop multiplies even columns with one vector of x and odd
/// columns with another, so x is reordered that way once per call.
/// Limits: weights must be finite (an Inf/NaN half reads as a large finite value), and |x| &lt; 2^64.
/// </para>
/// </summary>
public static unsafe class F16MatVec
{
    internal const float XScale = 18446744073709551616f; // 2^64
    internal const float YScale = 281474976710656f;       // 2^48: 2^112 / 2^64
    const int RowTile = 4;

    /// <param name="w">rows × cols halves, row-major.</param>
    /// <param name="x">cols values.</param>
    /// <param name="y">rows outputs, overwritten.</param>
    public static void Multiply(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) =>
        Multiply(w, rows, cols, x, y, pool, SimdSupport.Best);

    internal static void Multiply(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool, SimdPath path)
    {
        ValidateShape(w, rows, cols, x.Length, y.Length, tokens: 1);
        ArgumentNullException.ThrowIfNull(pool);
        SimdSupport.ThrowIfUnsupported(path);
        int tiles = (rows + RowTile - 1) / RowTile;
        WithOperands(w, cols, x, y, path, o => pool.For(tiles, (first, end) =>
            MultiplyRowRange(path, o, cols, first * RowTile, Math.Min(end * RowTile, rows))));
    }

    /// <summary>
    /// y[r] for the rows in <paramref name="selected"/> only, with exactly the arithmetic of <see cref="Multiply"/> (the same
    /// value to the bit); other outputs are left as they are.
    /// </summary>
    internal static void MultiplyRows(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<int> selected, Span<float> y,
        KernelThreadPool pool) =>
        MultiplyRows(w, rows, cols, x, selected, y, pool, SimdSupport.Best);

    internal static void MultiplyRows(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<int> selected, Span<float> y,
        KernelThreadPool pool, SimdPath path)
    {
        ValidateShape(w, rows, cols, x.Length, y.Length, tokens: 1);
        foreach (int row in selected)
            if ((uint)row >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(selected), row, $"Row must be in [0, {rows}).");
        fixed (int* selectedFixed = selected)
        {
            int* rowList = selectedFixed;
            int count = selected.Length;
            int tiles = (count + RowTile - 1) / RowTile;
            WithOperands(w, cols, x, y, path, o => pool.For(tiles, (first, end) =>
            {
                for (int tile = first; tile < end; tile++)
                    MultiplySelectedTile(path, o, cols, rowList + tile * RowTile, Math.Min(RowTile, count - tile * RowTile));
            }));
        }
    }

    /// <summary>What one product's rows work on, pinned: the weights, x, x split and scaled for the vector loop, and y.</summary>
    readonly struct Operands(ushort* w, float* x, float* xSplit, float* y, int vectorCols)
    {
        public readonly ushort* W = w;
        public readonly float* X = x;
        public readonly float* XSplit = xSplit;
        public readonly float* Y = y;
        /// <summary>Columns the vector loop covers; the rest go through the scalar tail.</summary>
        public readonly int VectorCols = vectorCols;
    }

    /// <summary>Splits and scales x into pooled scratch, pins everything and runs <paramref name="body"/> on it.</summary>
    static void WithOperands(ReadOnlySpan<Half> w, int cols, ReadOnlySpan<float> x, Span<float> y, SimdPath path, Action<Operands> body)
    {
        int chunk = ChunkCols(path);
        int vectorCols = chunk == 0 ? 0 : cols / chunk * chunk;
        var scratch = ArrayPool<float>.Shared.Rent(cols);
        try
        {
            SplitEvenOddAndScale(x, scratch, vectorCols, chunk);
            fixed (Half* wFixed = w)
            fixed (float* xFixed = x)
            fixed (float* yFixed = y)
            fixed (float* xSplit = scratch)
                body(new Operands((ushort*)wFixed, xFixed, xSplit, yFixed, vectorCols));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    internal static void ValidateShape(ReadOnlySpan<Half> w, int rows, int cols, int xLength, int yLength, int tokens)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Rows must be positive.");
        if (cols < 1) throw new ArgumentOutOfRangeException(nameof(cols), cols, "Columns must be positive.");
        if (w.Length != (long)rows * cols) throw new ArgumentException($"Expected rows × cols = {(long)rows * cols} weights, got {w.Length}.", nameof(w));
        if (xLength != (long)tokens * cols) throw new ArgumentException($"Expected {(long)tokens * cols} inputs, got {xLength}.", "x");
        if (yLength != (long)tokens * rows) throw new ArgumentException($"Expected {(long)tokens * rows} outputs, got {yLength}.", "y");
    }

    /// <summary>Columns one step of the vector loop converts: 32 (AVX-512), 16 (AVX2), 8 (Vector128), 0 (scalar).</summary>
    internal static int ChunkCols(SimdPath path) => path switch
    {
        SimdPath.Avx512 => 32,
        SimdPath.Avx2 or SimdPath.Avx2Vnni => 16,
        SimdPath.Vector128 => 8,
        _ => 0,
    };

    /// <summary>x·<paramref name="scale"/> (2^64 here) in the order the loop reads it: for each chunk, its even columns, then its odd columns.</summary>
    internal static void SplitEvenOddAndScale(ReadOnlySpan<float> x, Span<float> split, int vectorCols, int chunk, float scale = XScale)
    {
        for (int start = 0; start < vectorCols; start += chunk)
            for (int e = 0; e < chunk / 2; e++)
            {
                split[start + e] = x[start + 2 * e] * scale;
                split[start + chunk / 2 + e] = x[start + 2 * e + 1] * scale;
            }
    }

    /// <summary>
    /// y for rows [rowStart, rowEnd). On AVX-512 and AVX2 four rows go at once, so each load of x serves four, and they are taken a
    /// quarter of the range apart: each of the four reads then runs on through consecutive rows, one long sequential stream
    /// each, which the hardware prefetcher follows (four adjacent rows would restart all four streams every 20 KB, and measured
    /// ~40% slower from memory).
    /// </summary>
    static void MultiplyRowRange(SimdPath path, Operands o, int cols, int rowStart, int rowEnd)
    {
        int row = rowStart;
        if (HasRowTile(path))
        {
            int quarter = (rowEnd - rowStart) / RowTile;
            for (int i = 0; i < quarter; i++)
            {
                int first = rowStart + i;
                ushort* row0 = o.W + (long)first * cols;
                long stride = (long)quarter * cols;
                var dots = DotRows4(path, row0, row0 + stride, row0 + 2 * stride, row0 + 3 * stride, o.XSplit, o.VectorCols) * YScale;
                for (int r = 0; r < RowTile; r++)
                {
                    int rowIndex = first + r * quarter;
                    o.Y[rowIndex] = dots[r] + DotScalar(o.W + (long)rowIndex * cols, o.X, o.VectorCols, cols);
                }
            }
            row = rowStart + RowTile * quarter;
        }
        for (; row < rowEnd; row++) o.Y[row] = DotRow(path, o, cols, row);
    }

    /// <summary>
    /// y for up to four selected rows. On AVX-512 and AVX2 a full tile goes through <see cref="DotRows4"/>: the rows lie anywhere in
    /// the matrix, and four reads in flight at once wait on memory a quarter as long as one row after another (the hardware
    /// prefetcher cannot guess the next row).
    /// </summary>
    static void MultiplySelectedTile(SimdPath path, Operands o, int cols, int* rows, int count)
    {
        if (HasRowTile(path) && count == RowTile)
        {
            var dots = DotRows4(path, o.W + (long)rows[0] * cols, o.W + (long)rows[1] * cols, o.W + (long)rows[2] * cols,
                                   o.W + (long)rows[3] * cols, o.XSplit, o.VectorCols) * YScale;
            for (int r = 0; r < RowTile; r++) o.Y[rows[r]] = dots[r] + DotScalar(o.W + (long)rows[r] * cols, o.X, o.VectorCols, cols);
            return;
        }
        for (int r = 0; r < count; r++) o.Y[rows[r]] = DotRow(path, o, cols, rows[r]);
    }

    /// <summary>y[row] one row at a time: the vector loop, scaled back, plus the scalar tail.</summary>
    static float DotRow(SimdPath path, Operands o, int cols, int row)
    {
        ushort* w = o.W + (long)row * cols;
        return DotVector(path, w, o.XSplit, o.VectorCols) * YScale + DotScalar(w, o.X, o.VectorCols, cols);
    }

    /// <summary>Σ W·x·2^-48 over the first <paramref name="vectorCols"/> columns of one row.</summary>
    internal static float DotVector(SimdPath path, ushort* row, float* xSplit, int vectorCols) => path switch
    {
        SimdPath.Avx512 => Dot512(row, xSplit, vectorCols),
        SimdPath.Avx2 or SimdPath.Avx2Vnni => Dot256(row, xSplit, vectorCols),
        SimdPath.Vector128 => Dot128(row, xSplit, vectorCols),
        _ => 0f,
    };

    internal static float DotScalar(ushort* row, float* x, int start, int end)
    {
        float sum = 0f;
        for (int c = start; c < end; c++) sum += (float)BitConverter.UInt16BitsToHalf(row[c]) * x[c];
        return sum;
    }

    /// <summary>Whether <paramref name="path"/> has a four-row step (<see cref="DotRows4"/>).</summary>
    static bool HasRowTile(SimdPath path) => SimdSupport.HasAvx2(path);

    /// <summary><see cref="DotVector"/> of four rows at once, each row's value to the bit.</summary>
    static Vector128<float> DotRows4(SimdPath path, ushort* row0, ushort* row1, ushort* row2, ushort* row3, float* xSplit, int cols) =>
        path == SimdPath.Avx512 ? Dot512Rows4(row0, row1, row2, row3, xSplit, cols) : Dot256Rows4(row0, row1, row2, row3, xSplit, cols);

    /// <summary>The same as <see cref="Dot512"/> for four rows at once, each row's value to the bit.</summary>
    static Vector128<float> Dot512Rows4(ushort* row0, ushort* row1, ushort* row2, ushort* row3, float* xSplit, int cols)
    {
        var mask = Vector512.Create(unchecked((int)0x8FFFE000));
        Vector512<float> even0 = default, odd0 = default, even1 = default, odd1 = default;
        Vector512<float> even2 = default, odd2 = default, even3 = default, odd3 = default;
        for (int c = 0; c < cols; c += 32)
        {
            var xEven = Vector512.Load(xSplit + c);
            var xOdd = Vector512.Load(xSplit + c + 16);
            Accumulate(Vector512.Load((int*)(row0 + c)), xEven, xOdd, mask, ref even0, ref odd0);
            Accumulate(Vector512.Load((int*)(row1 + c)), xEven, xOdd, mask, ref even1, ref odd1);
            Accumulate(Vector512.Load((int*)(row2 + c)), xEven, xOdd, mask, ref even2, ref odd2);
            Accumulate(Vector512.Load((int*)(row3 + c)), xEven, xOdd, mask, ref even3, ref odd3);
        }
        return FloatMath.SumEach(even0 + odd0, even1 + odd1, even2 + odd2, even3 + odd3);
    }

    /// <summary>even += W_even·x_even, odd += W_odd·x_odd for 32 halves read as 16 int32 lanes (see the class remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Accumulate(Vector512<int> lanes, Vector512<float> xEven, Vector512<float> xOdd, Vector512<int> mask,
        ref Vector512<float> even, ref Vector512<float> odd)
    {
        even = Vector512.FusedMultiplyAdd(EvenHalves(lanes, mask), xEven, even);
        odd = Vector512.FusedMultiplyAdd(OddHalves(lanes, mask), xOdd, odd);
    }

    static float Dot512(ushort* row, float* xSplit, int cols)
    {
        var mask = Vector512.Create(unchecked((int)0x8FFFE000));
        Vector512<float> even = default, odd = default;
        for (int c = 0; c < cols; c += 32)
            Accumulate(Vector512.Load((int*)(row + c)), Vector512.Load(xSplit + c), Vector512.Load(xSplit + c + 16), mask, ref even, ref odd);
        var sum = even + odd;
        return FloatMath.SumEach(sum, sum, sum, sum).GetElement(0); // the four-row step's reduction: a row's y never depends on its tile
    }

    /// <summary>The same as <see cref="Dot256"/> for four rows at once, each row's value to the bit.</summary>
    internal static Vector128<float> Dot256Rows4(ushort* row0, ushort* row1, ushort* row2, ushort* row3, float* xSplit, int cols)
    {
        var mask = Vector256.Create(unchecked((int)0x8FFFE000));
        Vector256<float> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
        for (int c = 0; c < cols; c += 16)
        {
            var xEven = Vector256.Load(xSplit + c);
            var xOdd = Vector256.Load(xSplit + c + 8);
            sum0 = Accumulate(Vector256.Load((int*)(row0 + c)), xEven, xOdd, mask, sum0);
            sum1 = Accumulate(Vector256.Load((int*)(row1 + c)), xEven, xOdd, mask, sum1);
            sum2 = Accumulate(Vector256.Load((int*)(row2 + c)), xEven, xOdd, mask, sum2);
            sum3 = Accumulate(Vector256.Load((int*)(row3 + c)), xEven, xOdd, mask, sum3);
        }
        return Vector128.Create(Vector256.Sum(sum0), Vector256.Sum(sum1), Vector256.Sum(sum2), Vector256.Sum(sum3));
    }

    /// <summary>
    /// sum + W_even·x_even + W_odd·x_odd for 16 halves read as 8 int32 lanes (see the class remarks), the even columns'
    /// fused multiply-add first. One sum per row, not an even and an odd one as on AVX-512: with 16 ymm registers, that
    /// leaves room for <see cref="F16MatMul"/>'s tile of four rows × two tokens, whose loads of x each serve four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Accumulate(Vector256<int> lanes, Vector256<float> xEven, Vector256<float> xOdd, Vector256<int> mask,
        Vector256<float> sum)
    {
        sum = Vector256.FusedMultiplyAdd(EvenHalves(lanes, mask), xEven, sum);
        return Vector256.FusedMultiplyAdd(OddHalves(lanes, mask), xOdd, sum);
    }

    // W · 2^-112 from the low (even column) and the high (odd column) half of each int32 lane (see the class remarks).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> EvenHalves(Vector512<int> lanes, Vector512<int> mask) =>
        (Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(lanes, 16), 3) & mask).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> OddHalves(Vector512<int> lanes, Vector512<int> mask) =>
        (Vector512.ShiftRightArithmetic(lanes, 3) & mask).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> EvenHalves(Vector256<int> lanes, Vector256<int> mask) =>
        (Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(lanes, 16), 3) & mask).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> OddHalves(Vector256<int> lanes, Vector256<int> mask) =>
        (Vector256.ShiftRightArithmetic(lanes, 3) & mask).AsSingle();

    static float Dot256(ushort* row, float* xSplit, int cols)
    {
        var mask = Vector256.Create(unchecked((int)0x8FFFE000));
        Vector256<float> sum = default;
        for (int c = 0; c < cols; c += 16)
            sum = Accumulate(Vector256.Load((int*)(row + c)), Vector256.Load(xSplit + c), Vector256.Load(xSplit + c + 8), mask, sum);
        return Vector256.Sum(sum);
    }

    static float Dot128(ushort* row, float* xSplit, int cols)
    {
        var mask = Vector128.Create(unchecked((int)0x8FFFE000));
        Vector128<float> even = default, odd = default;
        for (int c = 0; c < cols; c += 8)
        {
            var lanes = Vector128.Load((int*)(row + c));
            even += (Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(lanes, 16), 3) & mask).AsSingle() * Vector128.Load(xSplit + c);
            odd += (Vector128.ShiftRightArithmetic(lanes, 3) & mask).AsSingle() * Vector128.Load(xSplit + c + 4);
        }
        return Vector128.Sum(even + odd);
    }
}
