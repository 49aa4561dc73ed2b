using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Dense f16 matrix × f32 vector (the tied output projection): y[r] = Σ_c W[r, c]·x[c].
/// <para>
/// Memory bound, so the f16 → f32 conversion must cost a few instructions: each half is placed in the top 16 bits of an int32
/// lane (unpack with zero), shifted right arithmetically by 3 and masked, which gives sign | exponent | mantissa as a float
/// equal to W · 2^-112 (see <see cref="HalfConversion"/>). That scale is moved onto x (x · 2^64) and the result (y · 2^48),
/// both exact powers of two. The in-lane unpack permutes columns, so x is permuted the same way once per call.
/// Limits: weights must be finite (an Inf/NaN half reads as a large finite value), and |x| &lt; 2^64.
/// </para>
/// </summary>
public static unsafe class F16MatVec
{
    const float XScale = 18446744073709551616f; // 2^64
    const float YScale = 281474976710656f;       // 2^48: 2^112 / 2^64
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
        int chunk = ChunkCols(path);
        int vectorCols = chunk == 0 ? 0 : cols / chunk * chunk;
        var scratch = ArrayPool<float>.Shared.Rent(cols);
        try
        {
            PermuteAndScale(x, scratch, vectorCols, chunk);
            fixed (Half* wFixed = w)
            fixed (float* xFixed = x)
            fixed (float* yFixed = y)
            fixed (float* xPermuted = scratch)
            {
                ushort* wp = (ushort*)wFixed;
                float* xp = xFixed, yp = yFixed, xs = xPermuted;
                int tiles = (rows + RowTile - 1) / RowTile;
                pool.For(tiles, (first, end) =>
                {
                    for (int tile = first; tile < end; tile++)
                    {
                        int row0 = tile * RowTile;
                        int tileRows = Math.Min(RowTile, rows - row0);
                        for (int r = row0; r < row0 + tileRows; r++)
                            yp[r] = DotRow(path, wp + (long)r * cols, xs, vectorCols) * YScale
                                + DotScalar(wp + (long)r * cols, xp, vectorCols, cols);
                    }
                });
            }
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
    static int ChunkCols(SimdPath path) => path switch
    {
        SimdPath.Avx512 => 32,
        SimdPath.Avx2 => 16,
        SimdPath.Vector128 => 8,
        _ => 0,
    };

    /// <summary>
    /// x·2^64 in the column order the unpack produces: for each chunk, first the low 4 halves of every 8, then the high 4
    /// (Vector128 widens in order, so its order is unchanged).
    /// </summary>
    static void PermuteAndScale(ReadOnlySpan<float> x, float[] permuted, int vectorCols, int chunk)
    {
        if (chunk == 8)
        {
            for (int c = 0; c < vectorCols; c++) permuted[c] = x[c] * XScale;
            return;
        }
        for (int start = 0; start < vectorCols; start += chunk)
            for (int e = 0; e < chunk / 2; e++)
            {
                int source = start + 8 * (e / 4) + e % 4;
                permuted[start + e] = x[source] * XScale;
                permuted[start + chunk / 2 + e] = x[source + 4] * XScale;
            }
    }

    /// <summary>Σ W·x·2^-48 over the first <paramref name="vectorCols"/> columns of one row.</summary>
    static float DotRow(SimdPath path, ushort* row, float* xPermuted, int vectorCols) => path switch
    {
        SimdPath.Avx512 => Dot512(row, xPermuted, vectorCols),
        SimdPath.Avx2 => Dot256(row, xPermuted, vectorCols),
        SimdPath.Vector128 => Dot128(row, xPermuted, vectorCols),
        _ => 0f,
    };

    static float DotScalar(ushort* row, float* x, int start, int end)
    {
        float sum = 0f;
        for (int c = start; c < end; c++) sum += (float)BitConverter.UInt16BitsToHalf(row[c]) * x[c];
        return sum;
    }

    static float Dot512(ushort* row, float* x, int cols)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        for (int c = 0; c < cols; c += 32)
        {
            var halves = Vector512.Load(row + c);
            var low = Avx512BW.UnpackLow(Vector512<ushort>.Zero, halves).AsInt32();   // half << 16 per int32 lane
            var high = Avx512BW.UnpackHigh(Vector512<ushort>.Zero, halves).AsInt32();
            acc0 = Vector512.FusedMultiplyAdd(ScaledFloat(low), Vector512.Load(x + c), acc0);
            acc1 = Vector512.FusedMultiplyAdd(ScaledFloat(high), Vector512.Load(x + c + 16), acc1);
        }
        return Vector512.Sum(acc0 + acc1);
    }

    static float Dot256(ushort* row, float* x, int cols)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        for (int c = 0; c < cols; c += 16)
        {
            var halves = Vector256.Load(row + c);
            var low = Avx2.UnpackLow(Vector256<ushort>.Zero, halves).AsInt32();
            var high = Avx2.UnpackHigh(Vector256<ushort>.Zero, halves).AsInt32();
            acc0 = Vector256.FusedMultiplyAdd(ScaledFloat(low), Vector256.Load(x + c), acc0);
            acc1 = Vector256.FusedMultiplyAdd(ScaledFloat(high), Vector256.Load(x + c + 8), acc1);
        }
        return Vector256.Sum(acc0 + acc1);
    }

    static float Dot128(ushort* row, float* x, int cols)
    {
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        for (int c = 0; c < cols; c += 8)
        {
            var (low, high) = Vector128.Widen(Vector128.Load(row + c));
            acc0 += ScaledFloat((low << 16).AsInt32()) * Vector128.Load(x + c);
            acc1 += ScaledFloat((high << 16).AsInt32()) * Vector128.Load(x + c + 4);
        }
        return Vector128.Sum(acc0 + acc1);
    }

    /// <summary>From half bits in the top 16 bits of each lane: the float W·2^-112 (sign | 000 | exponent | mantissa).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> ScaledFloat(Vector512<int> halfHigh) =>
        (Vector512.ShiftRightArithmetic(halfHigh, 3) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ScaledFloat(Vector256<int> halfHigh) =>
        (Vector256.ShiftRightArithmetic(halfHigh, 3) & Vector256.Create(unchecked((int)0x8FFFE000))).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> ScaledFloat(Vector128<int> halfHigh) =>
        (Vector128.ShiftRightArithmetic(halfHigh, 3) & Vector128.Create(unchecked((int)0x8FFFE000))).AsSingle();
}
