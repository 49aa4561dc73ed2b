using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Int8-group matrix × f32 vector (a Q8_0 or Q6_K output projection):
/// y[r] = Σ_c (scale[r, c / groupCols] · code[r, c]) · x[c]. Each weight is formed exactly (an int8 code times a float
/// scale) and multiplied with x in float, so only the order of the sum differs from the dequantized reference.
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
        ArgumentNullException.ThrowIfNull(pool);
        if (x.Length != w.Cols) throw new ArgumentException($"Expected {w.Cols} inputs, got {x.Length}.", nameof(x));
        if (y.Length != w.Rows) throw new ArgumentException($"Expected {w.Rows} outputs, got {y.Length}.", nameof(y));
        SimdSupport.ThrowIfUnsupported(path);
        fixed (float* xFixed = x)
        fixed (float* yFixed = y)
        {
            float* xp = xFixed, yp = yFixed;
            pool.For(w.Rows, (first, end) =>
            {
                for (int r = first; r < end; r++) yp[r] = DotRow(path, w.Row(r), w.RowScales(r), xp, w.Cols, w.GroupCols);
            });
        }
    }

    // Σ_c (scales[c / groupCols] · codes[c]) · x[c]
    static float DotRow(SimdPath path, sbyte* codes, float* scales, float* x, int cols, int groupCols) => path switch
    {
        SimdPath.Avx512 => DotAvx512(codes, scales, x, cols, groupCols),
        SimdPath.Avx2 => DotAvx2(codes, scales, x, cols, groupCols),
        SimdPath.Vector128 => DotVector128(codes, scales, x, cols, groupCols),
        _ => DotScalar(codes, scales, x, cols, groupCols),
    };

    static float DotScalar(sbyte* codes, float* scales, float* x, int cols, int groupCols)
    {
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += scales[c / groupCols] * codes[c] * x[c]; // the plain formula: the tests' reference path
        return sum;
    }

    static float DotAvx512(sbyte* codes, float* scales, float* x, int cols, int groupCols)
    {
        // Two chains, taking alternate 16-column steps: with one, the FMA latency and not the memory would set the pace.
        Vector512<float> even = default, odd = default;
        for (int group = 0, c = 0; group < cols / groupCols; group++)
        {
            var scale = Vector512.Create(scales[group]);
            for (int end = c + groupCols; c < end; c += 16)
            {
                var weights = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(codes + c))) * scale;
                if ((c & 16) == 0) even = Vector512.FusedMultiplyAdd(weights, Vector512.Load(x + c), even);
                else odd = Vector512.FusedMultiplyAdd(weights, Vector512.Load(x + c), odd);
            }
        }
        return Vector512.Sum(even + odd);
    }

    static float DotAvx2(sbyte* codes, float* scales, float* x, int cols, int groupCols)
    {
        Vector256<float> even = default, odd = default;
        for (int group = 0, c = 0; group < cols / groupCols; group++)
        {
            var scale = Vector256.Create(scales[group]);
            for (int end = c + groupCols; c < end; c += 16)
            {
                var w0 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes + c)) * scale;
                var w1 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes + c + 8)) * scale;
                even = Vector256.FusedMultiplyAdd(w0, Vector256.Load(x + c), even);
                odd = Vector256.FusedMultiplyAdd(w1, Vector256.Load(x + c + 8), odd);
            }
        }
        return Vector256.Sum(even + odd);
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
