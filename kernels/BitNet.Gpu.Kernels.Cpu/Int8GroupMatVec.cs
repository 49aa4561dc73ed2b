using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Int8-group matrix × f32 vector (a Q8_0 output projection): y[r] = Σ_c (scale[r, c / groupCols] · code[r, c]) · x[c].
/// <para>
/// On x86 x is rounded to int16 once per call (<see cref="Int16Rounding"/>), each 16 codes are an exact vpmaddwd sum,
/// and the group's float scale is applied to that sum: a widen, a multiply-add, a convert and an FMA per 16 weights,
/// against a widen, a convert, a multiply and an FMA per 8 in float, which could not keep up with memory. The portable and
/// scalar paths form each weight exactly and multiply with x in float.
/// </para>
/// </summary>
public static unsafe class Int8GroupMatVec
{
    /// <param name="x">Cols values.</param>
    /// <param name="y">Rows outputs, overwritten.</param>
    public static void Multiply(Int8GroupMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) =>
        Multiply(w, x, y, pool, SimdSupport.Best);

    internal static void Multiply(Int8GroupMatrix w, ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool, SimdPath path)
    {
        ArgumentNullException.ThrowIfNull(w);
        SimdSupport.ThrowIfUnsupported(path);
        bool integer = SimdSupport.HasAvx2(path); // 256 bits on AVX-512 too, as Q6KMatVec
        Int16Rounding.MultiplyRows(w.Rows, w.Cols, x, y, pool, roundX: integer, (r, xp, xq, step) => integer
            ? step * DotRowInt16(w.Row(r), w.RowScales(r), xq, w.Cols, w.GroupCols)
            : DotRow(path, w.Row(r), w.RowScales(r), xp, w.Cols, w.GroupCols));
    }

    // Σ_g scale_g · Σ_{c in g} code_c·xq_c; the caller multiplies by step
    static float DotRowInt16(sbyte* codes, float* scales, short* xq, int cols, int groupCols)
    {
        Vector256<float> even = default, odd = default; // alternate 16-column steps: two FMA chains
        for (int group = 0, c = 0; group < cols / groupCols; group++)
        {
            var scale = Vector256.Create(scales[group]);
            for (int end = c + groupCols; c < end; c += 16)
            {
                var sum = Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(codes + c), Vector256.Load(xq + c)));
                if ((c & 16) == 0) even = Vector256.FusedMultiplyAdd(sum, scale, even);
                else odd = Vector256.FusedMultiplyAdd(sum, scale, odd);
            }
        }
        return Vector256.Sum(even + odd);
    }

    // Σ_c (scales[c / groupCols] · codes[c]) · x[c]
    static float DotRow(SimdPath path, sbyte* codes, float* scales, float* x, int cols, int groupCols) =>
        path == SimdPath.Vector128 ? DotVector128(codes, scales, x, cols, groupCols) : DotScalar(codes, scales, x, cols, groupCols);

    static float DotScalar(sbyte* codes, float* scales, float* x, int cols, int groupCols)
    {
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += scales[c / groupCols] * codes[c] * x[c]; // the plain formula: the tests' reference path
        return sum;
    }

    static float DotVector128(sbyte* codes, float* scales, float* x, int cols, int groupCols)
    {
        Vector128<float> sum = default;
        for (int group = 0, c = 0; group < cols / groupCols; group++)
        {
            var scale = Vector128.Create(scales[group]);
            for (int end = c + groupCols; c < end; c += 16)
            {
                var codes16 = Vector128.Load(codes + c);
                var low = Vector128.WidenLower(codes16);
                var high = Vector128.WidenUpper(codes16);
                sum += Weights(Vector128.WidenLower(low), scale) * Vector128.Load(x + c)
                     + Weights(Vector128.WidenUpper(low), scale) * Vector128.Load(x + c + 4)
                     + Weights(Vector128.WidenLower(high), scale) * Vector128.Load(x + c + 8)
                     + Weights(Vector128.WidenUpper(high), scale) * Vector128.Load(x + c + 12);
            }
        }
        return Vector128.Sum(sum);
    }

    static Vector128<float> Weights(Vector128<int> codes, Vector128<float> scale) => Vector128.ConvertToSingle(codes) * scale;
}
