using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>Small vectorized float loops shared by the dense kernels (256-bit where accelerated, else 128-bit, scalar tail).</summary>
internal static unsafe class FloatMath
{
    /// <summary>Σ a[i]·b[i].</summary>
    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= n - 4; i += 4) acc += Vector128.Load(a + i) * Vector128.Load(b + i);
            sum = Vector128.Sum(acc);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>
    /// [Σ r0, Σ r1, Σ r2, Σ r3] (AVX-512 only): interleaving adds leave each 128-bit lane with partial sums of all four,
    /// then the lanes fold; cheaper than four separate horizontal sums.
    /// </summary>
    public static Vector128<float> SumEach(Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3)
    {
        var r01 = Avx512F.UnpackLow(r0, r1) + Avx512F.UnpackHigh(r0, r1); // per lane [r0, r1, r0, r1] partials
        var r23 = Avx512F.UnpackLow(r2, r3) + Avx512F.UnpackHigh(r2, r3); // per lane [r2, r3, r2, r3] partials
        var all = Avx512F.UnpackLow(r01.AsDouble(), r23.AsDouble()).AsSingle() + Avx512F.UnpackHigh(r01.AsDouble(), r23.AsDouble()).AsSingle();
        var halves = all.GetLower() + all.GetUpper();
        return halves.GetLower() + halves.GetUpper();
    }

    /// <summary>
    /// <see cref="DotRows"/> for four queries (the query heads sharing a kv head) over the same rows:
    /// results[h·resultStride + r] = scale · Σ_i q[h·dim + i]·rows[r·dim + i]. Each 64 bytes of a row are loaded once for
    /// all four (16 accumulators: 4 rows × 4 queries), where four DotRows calls load every row four times.
    /// </summary>
    public static void DotRowsFourQueries(float* q, float* rows, int count, int dim, float scale, float* results, int resultStride)
    {
        int r = 0;
        if (Vector512.IsHardwareAccelerated && dim % 16 == 0)
            for (; r + 4 <= count; r += 4)
            {
                float* row0 = rows + (long)r * dim, row1 = row0 + dim, row2 = row1 + dim, row3 = row2 + dim;
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default; // a{query}{row}
                Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                for (int i = 0; i < dim; i += 16)
                {
                    var k0 = Vector512.Load(row0 + i); var k1 = Vector512.Load(row1 + i);
                    var k2 = Vector512.Load(row2 + i); var k3 = Vector512.Load(row3 + i);
                    var x = Vector512.Load(q + i);
                    a00 = Vector512.FusedMultiplyAdd(x, k0, a00); a01 = Vector512.FusedMultiplyAdd(x, k1, a01);
                    a02 = Vector512.FusedMultiplyAdd(x, k2, a02); a03 = Vector512.FusedMultiplyAdd(x, k3, a03);
                    x = Vector512.Load(q + dim + i);
                    a10 = Vector512.FusedMultiplyAdd(x, k0, a10); a11 = Vector512.FusedMultiplyAdd(x, k1, a11);
                    a12 = Vector512.FusedMultiplyAdd(x, k2, a12); a13 = Vector512.FusedMultiplyAdd(x, k3, a13);
                    x = Vector512.Load(q + 2 * dim + i);
                    a20 = Vector512.FusedMultiplyAdd(x, k0, a20); a21 = Vector512.FusedMultiplyAdd(x, k1, a21);
                    a22 = Vector512.FusedMultiplyAdd(x, k2, a22); a23 = Vector512.FusedMultiplyAdd(x, k3, a23);
                    x = Vector512.Load(q + 3 * dim + i);
                    a30 = Vector512.FusedMultiplyAdd(x, k0, a30); a31 = Vector512.FusedMultiplyAdd(x, k1, a31);
                    a32 = Vector512.FusedMultiplyAdd(x, k2, a32); a33 = Vector512.FusedMultiplyAdd(x, k3, a33);
                }
                (SumEach(a00, a01, a02, a03) * scale).Store(results + r);
                (SumEach(a10, a11, a12, a13) * scale).Store(results + resultStride + r);
                (SumEach(a20, a21, a22, a23) * scale).Store(results + 2 * resultStride + r);
                (SumEach(a30, a31, a32, a33) * scale).Store(results + 3 * resultStride + r);
            }
        if (r == count) return;
        for (int h = 0; h < 4; h++)
            DotRows(q + h * dim, rows + (long)r * dim, count - r, dim, scale, results + h * resultStride + r);
    }

    /// <summary>
    /// results[r] = scale · Σ_i q[i]·rows[r·dim + i] for <paramref name="count"/> consecutive rows (attention scores):
    /// four rows at a time share each load of q.
    /// </summary>
    public static void DotRows(float* q, float* rows, int count, int dim, float scale, float* results)
    {
        int r = 0;
        if (Vector512.IsHardwareAccelerated && dim % 16 == 0)
            for (; r + 4 <= count; r += 4)
            {
                float* row0 = rows + (long)r * dim, row1 = row0 + dim, row2 = row1 + dim, row3 = row2 + dim;
                var a0 = Vector512<float>.Zero; var a1 = Vector512<float>.Zero; var a2 = Vector512<float>.Zero; var a3 = Vector512<float>.Zero;
                for (int i = 0; i < dim; i += 16)
                {
                    var x = Vector512.Load(q + i);
                    a0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row0 + i), a0);
                    a1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row1 + i), a1);
                    a2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row2 + i), a2);
                    a3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row3 + i), a3);
                }
                (SumEach(a0, a1, a2, a3) * scale).Store(results + r);
            }
        for (; r < count; r++) results[r] = Dot(q, rows + (long)r * dim, dim) * scale;
    }

    /// <summary>
    /// output[i] = Σ_r weights[r]·rows[r·dim + i], overwriting output (attention's weighted sum of values): 128 columns
    /// at a time stay in registers while every row passes, instead of a load and store of the output per row.
    /// </summary>
    public static void WeightedSum(float* weights, float* rows, int count, int dim, float* output)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 128 <= dim; i += 128)
            {
                var a0 = Vector512<float>.Zero; var a1 = Vector512<float>.Zero; var a2 = Vector512<float>.Zero; var a3 = Vector512<float>.Zero;
                var a4 = Vector512<float>.Zero; var a5 = Vector512<float>.Zero; var a6 = Vector512<float>.Zero; var a7 = Vector512<float>.Zero;
                for (int r = 0; r < count; r++)
                {
                    var w = Vector512.Create(weights[r]);
                    float* row = rows + (long)r * dim + i;
                    a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row), a0);
                    a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 16), a1);
                    a2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 32), a2);
                    a3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 48), a3);
                    a4 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 64), a4);
                    a5 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 80), a5);
                    a6 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 96), a6);
                    a7 = Vector512.FusedMultiplyAdd(w, Vector512.Load(row + 112), a7);
                }
                a0.Store(output + i); a1.Store(output + i + 16); a2.Store(output + i + 32); a3.Store(output + i + 48);
                a4.Store(output + i + 64); a5.Store(output + i + 80); a6.Store(output + i + 96); a7.Store(output + i + 112);
            }
        // Remaining columns (all of them without AVX-512): one row at a time into the output.
        int rest = dim - i;
        if (rest == 0) return;
        new Span<float>(output + i, rest).Clear();
        for (int r = 0; r < count; r++) MultiplyAdd(output + i, weights[r], rows + (long)r * dim + i, rest);
    }

    /// <summary>
    /// <see cref="WeightedSum"/> for four queries over the same rows (attention's values, shared by the query heads of a
    /// kv head): output[h·outputStride + i] = Σ_r weights[h·weightStride + r]·rows[r·dim + i]. 64 columns at a time, each
    /// row's 256 bytes loaded once for all four (16 accumulators), where four WeightedSum calls load every row four times.
    /// </summary>
    public static void WeightedSumFourQueries(float* weights, int weightStride, float* rows, int count, int dim, float* output, int outputStride)
    {
        if (!Vector512.IsHardwareAccelerated || dim % 64 != 0)
        {
            for (int h = 0; h < 4; h++) WeightedSum(weights + h * weightStride, rows, count, dim, output + h * outputStride);
            return;
        }
        float* w0 = weights, w1 = w0 + weightStride, w2 = w1 + weightStride, w3 = w2 + weightStride;
        for (int i = 0; i < dim; i += 64)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default; // a{query}{16 columns}
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (int r = 0; r < count; r++)
            {
                float* row = rows + (long)r * dim + i;
                var v0 = Vector512.Load(row); var v1 = Vector512.Load(row + 16);
                var v2 = Vector512.Load(row + 32); var v3 = Vector512.Load(row + 48);
                var w = Vector512.Create(w0[r]);
                a00 = Vector512.FusedMultiplyAdd(w, v0, a00); a01 = Vector512.FusedMultiplyAdd(w, v1, a01);
                a02 = Vector512.FusedMultiplyAdd(w, v2, a02); a03 = Vector512.FusedMultiplyAdd(w, v3, a03);
                w = Vector512.Create(w1[r]);
                a10 = Vector512.FusedMultiplyAdd(w, v0, a10); a11 = Vector512.FusedMultiplyAdd(w, v1, a11);
                a12 = Vector512.FusedMultiplyAdd(w, v2, a12); a13 = Vector512.FusedMultiplyAdd(w, v3, a13);
                w = Vector512.Create(w2[r]);
                a20 = Vector512.FusedMultiplyAdd(w, v0, a20); a21 = Vector512.FusedMultiplyAdd(w, v1, a21);
                a22 = Vector512.FusedMultiplyAdd(w, v2, a22); a23 = Vector512.FusedMultiplyAdd(w, v3, a23);
                w = Vector512.Create(w3[r]);
                a30 = Vector512.FusedMultiplyAdd(w, v0, a30); a31 = Vector512.FusedMultiplyAdd(w, v1, a31);
                a32 = Vector512.FusedMultiplyAdd(w, v2, a32); a33 = Vector512.FusedMultiplyAdd(w, v3, a33);
            }
            Store4(output + i, a00, a01, a02, a03);
            Store4(output + outputStride + i, a10, a11, a12, a13);
            Store4(output + 2 * outputStride + i, a20, a21, a22, a23);
            Store4(output + 3 * outputStride + i, a30, a31, a32, a33);
        }
    }

    /// <summary>Stores 64 consecutive floats.</summary>
    internal static void Store4(float* destination, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        v0.Store(destination); v1.Store(destination + 16); v2.Store(destination + 32); v3.Store(destination + 48);
    }

    /// <summary>y[i] += a · x[i].</summary>
    public static void MultiplyAdd(float* y, float a, float* x, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.Create(a), Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4)
                (Vector128.Load(y + i) + Vector128.Create(a) * Vector128.Load(x + i)).Store(y + i);
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>y[i] = a · x[i].</summary>
    public static void Scale(float* y, float a, float* x, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) (Vector256.Create(a) * Vector256.Load(x + i)).Store(y + i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4) (Vector128.Create(a) * Vector128.Load(x + i)).Store(y + i);
        for (; i < n; i++) y[i] = a * x[i];
    }

    public static float Max(float* x, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256.Create(float.NegativeInfinity);
            for (; i <= n - 8; i += 8) acc = Vector256.Max(acc, Vector256.Load(x + i));
            for (int j = 0; j < 8; j++) max = MathF.Max(max, acc[j]);
        }
        for (; i < n; i++) max = MathF.Max(max, x[i]);
        return max;
    }

    /// <summary>x[i] = exp(x[i] - shift); returns Σ of the new values.</summary>
    public static float ExpShiftedInPlace(float* x, float shift, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var e = Vector256.Exp(Vector256.Load(x + i) - Vector256.Create(shift));
                e.Store(x + i);
                acc += e;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float e = MathF.Exp(x[i] - shift);
            x[i] = e;
            sum += e;
        }
        return sum;
    }
}
