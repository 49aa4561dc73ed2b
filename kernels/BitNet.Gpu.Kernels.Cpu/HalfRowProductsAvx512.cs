using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// <see cref="HalfRowProducts"/> on AVX-512: a 64-byte load is one stored run of 32 values, lane j holding value j in its
/// low half and value 16 + j in its high half.
/// </summary>
internal static unsafe class HalfRowProductsAvx512
{
    /// <summary><see cref="HalfRowProducts.DotRowsFourQueries"/>: four rows at a time (16 accumulators), as FloatMath's AVX-512 loop.</summary>
    public static void DotRowsFourQueries(float* q, ushort* rows, int count, int dim, float scale, float* results, int resultStride, float* scratch)
    {
        var mask = Vector512.Create(HalfRowProducts.FloatPlaceMask);
        var toValue = Vector512.Create(HalfConversion.TwoPow112);
        int r = 0;
        for (; r + 4 <= count; r += 4)
        {
            ushort* row0 = rows + (long)r * dim, row1 = row0 + dim, row2 = row1 + dim, row3 = row2 + dim;
            CachePrefetch.Bytes((byte*)(row0 + HalfRowProducts.PrefetchRows * dim), 4 * dim * sizeof(ushort));
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default; // a{query}{row}
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (int i = 0; i < dim; i += HalfRows.Run)
            {
                // Values i .. i+15 of each row, then i+16 .. i+31: the order FloatMath adds them in
                var lanes0 = Load(row0 + i); var lanes1 = Load(row1 + i); var lanes2 = Load(row2 + i); var lanes3 = Load(row3 + i);
                var k0 = Low(lanes0, mask, toValue); var k1 = Low(lanes1, mask, toValue);
                var k2 = Low(lanes2, mask, toValue); var k3 = Low(lanes3, mask, toValue);
                AddToEach(Vector512.Load(q + i), k0, k1, k2, k3, ref a00, ref a01, ref a02, ref a03);
                AddToEach(Vector512.Load(q + dim + i), k0, k1, k2, k3, ref a10, ref a11, ref a12, ref a13);
                AddToEach(Vector512.Load(q + 2 * dim + i), k0, k1, k2, k3, ref a20, ref a21, ref a22, ref a23);
                AddToEach(Vector512.Load(q + 3 * dim + i), k0, k1, k2, k3, ref a30, ref a31, ref a32, ref a33);
                k0 = High(lanes0, mask, toValue); k1 = High(lanes1, mask, toValue);
                k2 = High(lanes2, mask, toValue); k3 = High(lanes3, mask, toValue);
                AddToEach(Vector512.Load(q + i + 16), k0, k1, k2, k3, ref a00, ref a01, ref a02, ref a03);
                AddToEach(Vector512.Load(q + dim + i + 16), k0, k1, k2, k3, ref a10, ref a11, ref a12, ref a13);
                AddToEach(Vector512.Load(q + 2 * dim + i + 16), k0, k1, k2, k3, ref a20, ref a21, ref a22, ref a23);
                AddToEach(Vector512.Load(q + 3 * dim + i + 16), k0, k1, k2, k3, ref a30, ref a31, ref a32, ref a33);
            }
            (FloatMath.SumEach(a00, a01, a02, a03) * scale).Store(results + r);
            (FloatMath.SumEach(a10, a11, a12, a13) * scale).Store(results + resultStride + r);
            (FloatMath.SumEach(a20, a21, a22, a23) * scale).Store(results + 2 * resultStride + r);
            (FloatMath.SumEach(a30, a31, a32, a33) * scale).Store(results + 3 * resultStride + r);
        }
        if (r == count) return;
        HalfRows.LoadRows(rows + (long)r * dim, count - r, dim, scratch); // the last 1–3 rows, as FloatMath takes them
        for (int h = 0; h < 4; h++)
            FloatMath.DotRows(q + h * dim, scratch, count - r, dim, scale, results + h * resultStride + r);
    }

    /// <summary>
    /// <see cref="HalfRowProducts.WeightedSumFourQueries"/>: 64 columns at a time (16 accumulators), each row's two runs
    /// loaded and converted once for all four queries, as FloatMath's AVX-512 loop.
    /// </summary>
    public static void WeightedSumFourQueries(float* weights, int weightStride, ushort* rows, int count, int dim, float* output, int outputStride)
    {
        var mask = Vector512.Create(HalfRowProducts.FloatPlaceMask);
        var toValue = Vector512.Create(HalfConversion.TwoPow112);
        float* w0 = weights, w1 = w0 + weightStride, w2 = w1 + weightStride, w3 = w2 + weightStride;
        for (int i = 0; i < dim; i += 64)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default; // a{query}{16 columns}
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (int r = 0; r < count; r++)
            {
                ushort* row = rows + (long)r * dim + i;
                if (i == 0) CachePrefetch.Bytes((byte*)(row + HalfRowProducts.PrefetchRows * dim), dim * sizeof(ushort)); // later columns find it cached
                var first = Load(row);
                var second = Load(row + HalfRows.Run);
                var v0 = Low(first, mask, toValue); var v1 = High(first, mask, toValue);   // columns i .. i+31
                var v2 = Low(second, mask, toValue); var v3 = High(second, mask, toValue); // columns i+32 .. i+63
                AddToEach(Vector512.Create(w0[r]), v0, v1, v2, v3, ref a00, ref a01, ref a02, ref a03);
                AddToEach(Vector512.Create(w1[r]), v0, v1, v2, v3, ref a10, ref a11, ref a12, ref a13);
                AddToEach(Vector512.Create(w2[r]), v0, v1, v2, v3, ref a20, ref a21, ref a22, ref a23);
                AddToEach(Vector512.Create(w3[r]), v0, v1, v2, v3, ref a30, ref a31, ref a32, ref a33);
            }
            FloatMath.Store4(output + i, a00, a01, a02, a03);
            FloatMath.Store4(output + outputStride + i, a10, a11, a12, a13);
            FloatMath.Store4(output + 2 * outputStride + i, a20, a21, a22, a23);
            FloatMath.Store4(output + 3 * outputStride + i, a30, a31, a32, a33);
        }
    }

    /// <summary>a_j += x·v_j for j = 0 .. 3 (fused, as FloatMath's loops).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AddToEach(Vector512<float> x, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3)
    {
        a0 = Vector512.FusedMultiplyAdd(x, v0, a0);
        a1 = Vector512.FusedMultiplyAdd(x, v1, a1);
        a2 = Vector512.FusedMultiplyAdd(x, v2, a2);
        a3 = Vector512.FusedMultiplyAdd(x, v3, a3);
    }


    /// <summary>One stored run of 32 values: lane j holds value j in its low half and value 16 + j in its high half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<int> Load(ushort* run) => Vector512.Load((int*)run);

    /// <summary>Values 0 .. 15 of a run, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Low(Vector512<int> lanes, Vector512<int> mask, Vector512<float> toValue) =>
        (Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(lanes, 16), 3) & mask).AsSingle() * toValue;

    /// <summary>Values 16 .. 31 of a run, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> High(Vector512<int> lanes, Vector512<int> mask, Vector512<float> toValue) =>
        (Vector512.ShiftRightArithmetic(lanes, 3) & mask).AsSingle() * toValue;
}
