using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// <see cref="HalfRowProducts"/> on AVX2. A stored run of 32 values is two 32-byte loads: the first holds values 0..7 in
/// its lanes' low halves and 16..23 in their high halves, the second 8..15 and 24..31. Without AVX-512, FloatMath takes
/// each query and row through <see cref="FloatMath.Dot"/> (two accumulators: values 16i..16i+7 into one, 16i+8..16i+15
/// into the other) and each weighted sum row by row through <see cref="FloatMath.MultiplyAdd"/>; the loops here add the
/// same products in the same order, with each converted row shared by the four queries.
/// </summary>
internal static unsafe class HalfRowProductsAvx2
{
    /// <summary><see cref="HalfRowProducts.DotRowsFourQueries"/>: one row at a time, converted once for the four queries.</summary>
    public static void DotRowsFourQueries(float* q, ushort* rows, int count, int dim, float scale, float* results, int resultStride)
    {
        var mask = Vector256.Create(HalfRowProducts.FloatPlaceMask);
        var toValue = Vector256.Create(HalfConversion.TwoPow112);
        float* q0 = q, q1 = q + dim, q2 = q + 2 * dim, q3 = q + 3 * dim;
        for (int r = 0; r < count; r++)
        {
            ushort* row = rows + (long)r * dim;
            CachePrefetch.Bytes((byte*)(row + HalfRowProducts.PrefetchRows * dim), dim * sizeof(ushort));
            // a{query}{FloatMath.Dot's accumulator}
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
            Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
            for (int i = 0; i < dim; i += HalfRows.Run)
            {
                var first = Vector256.Load((int*)(row + i));       // values i .. i+7 and i+16 .. i+23
                var second = Vector256.Load((int*)(row + i + 16)); // values i+8 .. i+15 and i+24 .. i+31
                var k = Low(first, mask, toValue);
                a00 = Vector256.FusedMultiplyAdd(Vector256.Load(q0 + i), k, a00); a10 = Vector256.FusedMultiplyAdd(Vector256.Load(q1 + i), k, a10);
                a20 = Vector256.FusedMultiplyAdd(Vector256.Load(q2 + i), k, a20); a30 = Vector256.FusedMultiplyAdd(Vector256.Load(q3 + i), k, a30);
                k = Low(second, mask, toValue);
                a01 = Vector256.FusedMultiplyAdd(Vector256.Load(q0 + i + 8), k, a01); a11 = Vector256.FusedMultiplyAdd(Vector256.Load(q1 + i + 8), k, a11);
                a21 = Vector256.FusedMultiplyAdd(Vector256.Load(q2 + i + 8), k, a21); a31 = Vector256.FusedMultiplyAdd(Vector256.Load(q3 + i + 8), k, a31);
                k = High(first, mask, toValue);
                a00 = Vector256.FusedMultiplyAdd(Vector256.Load(q0 + i + 16), k, a00); a10 = Vector256.FusedMultiplyAdd(Vector256.Load(q1 + i + 16), k, a10);
                a20 = Vector256.FusedMultiplyAdd(Vector256.Load(q2 + i + 16), k, a20); a30 = Vector256.FusedMultiplyAdd(Vector256.Load(q3 + i + 16), k, a30);
                k = High(second, mask, toValue);
                a01 = Vector256.FusedMultiplyAdd(Vector256.Load(q0 + i + 24), k, a01); a11 = Vector256.FusedMultiplyAdd(Vector256.Load(q1 + i + 24), k, a11);
                a21 = Vector256.FusedMultiplyAdd(Vector256.Load(q2 + i + 24), k, a21); a31 = Vector256.FusedMultiplyAdd(Vector256.Load(q3 + i + 24), k, a31);
            }
            results[r] = Vector256.Sum(a00 + a01) * scale; // as FloatMath.Dot, then DotRows' scale
            results[resultStride + r] = Vector256.Sum(a10 + a11) * scale;
            results[2 * resultStride + r] = Vector256.Sum(a20 + a21) * scale;
            results[3 * resultStride + r] = Vector256.Sum(a30 + a31) * scale;
        }
    }

    /// <summary>
    /// <see cref="HalfRowProducts.WeightedSumFourQueries"/>: 16 columns of all four queries at a time (8 accumulators),
    /// each row's values for them converted once; every output starts at zero and takes one fused multiply-add per row, in
    /// row order, as FloatMath.MultiplyAdd gives it.
    /// </summary>
    public static void WeightedSumFourQueries(float* weights, int weightStride, ushort* rows, int count, int dim, float* output, int outputStride)
    {
        for (int i = 0; i < dim; i += HalfRows.Run)
        {
            WeightedSum16Columns(weights, weightStride, rows, count, dim, i, upper: false, output, outputStride); // columns i .. i+15
            WeightedSum16Columns(weights, weightStride, rows, count, dim, i, upper: true, output, outputStride);  // columns i+16 .. i+31
        }
    }

    /// <summary>Columns run + 16·upper .. + 15 of the four queries' weighted sums: the low (or high) halves of each row's run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WeightedSum16Columns(float* weights, int weightStride, ushort* rows, int count, int dim, int run, bool upper, float* output, int outputStride)
    {
        var mask = Vector256.Create(HalfRowProducts.FloatPlaceMask);
        var toValue = Vector256.Create(HalfConversion.TwoPow112);
        float* w0 = weights, w1 = w0 + weightStride, w2 = w1 + weightStride, w3 = w2 + weightStride;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default; // a{query}{8 columns}
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (int r = 0; r < count; r++)
        {
            ushort* values = rows + (long)r * dim + run;
            if (run == 0 && !upper) CachePrefetch.Bytes((byte*)(values + HalfRowProducts.PrefetchRows * dim), dim * sizeof(ushort)); // later passes find it cached
            var first = Vector256.Load((int*)values);
            var second = Vector256.Load((int*)(values + 16));
            var v0 = upper ? High(first, mask, toValue) : Low(first, mask, toValue);   // columns +0 .. +7
            var v1 = upper ? High(second, mask, toValue) : Low(second, mask, toValue); // columns +8 .. +15
            var w = Vector256.Create(w0[r]);
            a00 = Vector256.FusedMultiplyAdd(w, v0, a00); a01 = Vector256.FusedMultiplyAdd(w, v1, a01);
            w = Vector256.Create(w1[r]);
            a10 = Vector256.FusedMultiplyAdd(w, v0, a10); a11 = Vector256.FusedMultiplyAdd(w, v1, a11);
            w = Vector256.Create(w2[r]);
            a20 = Vector256.FusedMultiplyAdd(w, v0, a20); a21 = Vector256.FusedMultiplyAdd(w, v1, a21);
            w = Vector256.Create(w3[r]);
            a30 = Vector256.FusedMultiplyAdd(w, v0, a30); a31 = Vector256.FusedMultiplyAdd(w, v1, a31);
        }
        int column = run + (upper ? 16 : 0);
        a00.Store(output + column); a01.Store(output + column + 8);
        a10.Store(output + outputStride + column); a11.Store(output + outputStride + column + 8);
        a20.Store(output + 2 * outputStride + column); a21.Store(output + 2 * outputStride + column + 8);
        a30.Store(output + 3 * outputStride + column); a31.Store(output + 3 * outputStride + column + 8);
    }

    /// <summary>The values of a load's low halves, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Low(Vector256<int> lanes, Vector256<int> mask, Vector256<float> toValue) =>
        (Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(lanes, 16), 3) & mask).AsSingle() * toValue;

    /// <summary>The values of a load's high halves, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> High(Vector256<int> lanes, Vector256<int> mask, Vector256<float> toValue) =>
        (Vector256.ShiftRightArithmetic(lanes, 3) & mask).AsSingle() * toValue;
}
