using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Exact integer dot product of int8 codes with int16 activations: Σ_c code[c]·q[c].
/// <para>
/// Used by <see cref="ScreenedF16MatVec"/> to estimate every row of the output layer: a widen, a multiply-add and an add
/// per 16 columns (256 bits), against a widen, a convert and an FMA per 8 for int8 × f32; in cache it runs 1.6× as fast,
/// which lets the pass keep up with memory. With AVX-VNNI one vpdpwssd does the multiply-add and the add.
/// Exact when every code is in [-127, 127] and every |q| ≤ <see cref="LargestActivation"/>(cols): no 32-bit lane sums
/// more than ⌈cols/4⌉ products, so none can overflow, and lanes are added in 64 bits.
/// </para>
/// </summary>
public static unsafe class Int8Int16Dot
{
    /// <summary>The largest |q| for which the product of <paramref name="cols"/> columns is exact.</summary>
    public static int LargestActivation(int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long productsPerLane = (cols + 3L) / 4;
        return (int)Math.Max(1, Math.Min(short.MaxValue, int.MaxValue / (127 * productsPerLane)));
    }

    // Σ_c code[c]·q[c]
    public static long Dot(SimdPath path, sbyte* codes, short* q, int cols) => path switch
    {
        // 256 bits on AVX-512 too: on the development VM a 512-bit loop ran at the same speed in cache but 30–60% slower from
        // memory (23–38 GB/s against 35–56 for this loop, 2 threads, 128,256 × 2560 codes).
        SimdPath.Avx512 or SimdPath.Avx2Vnni when AvxVnni.IsSupported => Int8Int16Tiles.Row1Vector1<VnniPairs>(codes, q, cols),
        SimdPath.Avx512 or SimdPath.Avx2 => Int8Int16Tiles.Row1Vector1<Avx2Pairs>(codes, q, cols),
        SimdPath.Vector128 => DotVector128(codes, q, cols),
        _ => DotScalar(codes, q, 0, cols),
    };

    /// <summary>
    /// sums[i·<paramref name="sumStride"/> + t] = Σ_c code_i[c]·q_t[c] for rows i &lt; <paramref name="rows"/> (code_i =
    /// <paramref name="codes"/> + i·<paramref name="codesStride"/>) and vectors t &lt; <paramref name="vectors"/> (q_t =
    /// <paramref name="q"/> + t·<paramref name="qStride"/>): the estimates of a block of rows for several sequences' logits.
    /// On AVX2 paths every row is read against 4 vectors at a time (<see cref="Int8Int16Tiles"/>; on AVX-512 the 512-bit
    /// <see cref="Int8Int16Avx512Tiles"/>), then 2, then 1; the block's rows are read again per 4 vectors (from L2 for a
    /// block of a few rows), while those 4 vectors' activations stay in L1. The same integers as <see cref="Dot"/> for
    /// each row and vector alone.
    /// </summary>
    /// <example><c>Int8Int16Dot.DotBlock(path, codes, cols, 16, q, cols, vectors: 8, cols, dots, sumStride: 8);</c></example>
    public static void DotBlock(SimdPath path, sbyte* codes, long codesStride, int rows, short* q, long qStride, int vectors, int cols,
        long* sums, int sumStride)
    {
        bool wide = path == SimdPath.Avx512;
        if ((path is SimdPath.Avx512 or SimdPath.Avx2Vnni) && AvxVnni.IsSupported)
            DotBlock<VnniPairs>(codes, codesStride, rows, q, qStride, vectors, cols, sums, sumStride, wide);
        else if (path is SimdPath.Avx512 or SimdPath.Avx2)
            DotBlock<Avx2Pairs>(codes, codesStride, rows, q, qStride, vectors, cols, sums, sumStride, wide);
        else
            for (int i = 0; i < rows; i++)
                for (int t = 0; t < vectors; t++)
                    sums[i * sumStride + t] = Dot(path, codes + i * codesStride, q + t * qStride, cols);
    }

    static void DotBlock<TPairs>(sbyte* codes, long codesStride, int rows, short* q, long qStride, int vectors, int cols,
        long* sums, int sumStride, bool wide) where TPairs : IPairMultiplyAdd
    {
        int t = 0;
        for (; t + 4 <= vectors; t += 4)
            for (int i = 0; i < rows; i++)
            {
                if (wide) Int8Int16Avx512Tiles.Row1Vectors4(codes + i * codesStride, q + t * qStride, qStride, cols, sums + i * sumStride + t);
                else Int8Int16Tiles.Row1Vectors4<TPairs>(codes + i * codesStride, q + t * qStride, qStride, cols, sums + i * sumStride + t);
            }
        if (t + 2 <= vectors)
        {
            for (int i = 0; i < rows; i++)
                Int8Int16Tiles.Row1Vectors2<TPairs>(codes + i * codesStride, q + t * qStride, qStride, cols, sums + i * sumStride + t);
            t += 2;
        }
        if (t < vectors)
            for (int i = 0; i < rows; i++)
                sums[i * sumStride + t] = Int8Int16Tiles.Row1Vector1<TPairs>(codes + i * codesStride, q + t * qStride, cols);
    }

    /// <summary>Σ code[c]·q[c] over [first, cols), one column at a time (the tails the vector loops leave).</summary>
    internal static long DotScalar(sbyte* codes, short* q, int first, int cols)
    {
        long sum = 0;
        for (int c = first; c < cols; c++) sum += codes[c] * q[c];
        return sum;
    }

    static long DotVector128(sbyte* codes, short* q, int cols)
    {
        // Portable: widen both to 32 bits (|code·q| < 2^22). Each of the 4 lanes gets 4 products per 16 columns, cols/4 in all.
        Vector128<int> sum = default;
        int c = 0;
        for (; c + 16 <= cols; c += 16)
        {
            var codes16 = Vector128.Load(codes + c);
            var low = Vector128.WidenLower(codes16);
            var high = Vector128.WidenUpper(codes16);
            var q0 = Vector128.Load(q + c);
            var q1 = Vector128.Load(q + c + 8);
            sum += Vector128.WidenLower(low) * Vector128.WidenLower(q0) + Vector128.WidenUpper(low) * Vector128.WidenUpper(q0)
                 + Vector128.WidenLower(high) * Vector128.WidenLower(q1) + Vector128.WidenUpper(high) * Vector128.WidenUpper(q1);
        }
        return SumLanes(sum) + DotScalar(codes, q, c, cols);
    }

    static long SumLanes(Vector128<int> lanes) => Vector128.Sum(Vector128.WidenLower(lanes) + Vector128.WidenUpper(lanes));
}

/// <summary>sums + Σ of adjacent int16 products, per 32-bit lane (the step every AVX2 tile repeats).</summary>
internal interface IPairMultiplyAdd
{
    static abstract Vector256<int> Accumulate(Vector256<int> sums, Vector256<short> left, Vector256<short> right);
}

/// <summary>AVX2: vpmaddwd, then vpaddd.</summary>
internal readonly struct Avx2Pairs : IPairMultiplyAdd
{
    public static Vector256<int> Accumulate(Vector256<int> sums, Vector256<short> left, Vector256<short> right) =>
        sums + Avx2.MultiplyAddAdjacent(left, right);
}

/// <summary>AVX-VNNI: one vpdpwssd (the same integers, without saturation).</summary>
internal readonly struct VnniPairs : IPairMultiplyAdd
{
    public static Vector256<int> Accumulate(Vector256<int> sums, Vector256<short> left, Vector256<short> right) =>
        AvxVnni.MultiplyWideningAndAdd(sums, left, right);
}
