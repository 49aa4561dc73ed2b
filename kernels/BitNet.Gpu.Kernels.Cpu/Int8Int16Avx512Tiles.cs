using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// The 512-bit register tile of <see cref="Int8Int16Dot"/>: one row of codes against 4 activation vectors, with vpmaddwd
/// and vpaddd on 512 bits.
/// <para>
/// .NET 10 has no 512-bit vpdpwssd, but with four or more vectors the screen's estimates are bound by their multiply-adds,
/// and a core with full-width 512-bit units (this development VM's, AMD family 26) does twice the multiply-adds per
/// vpmaddwd that it does per 256-bit vpdpwssd: 8 sequences' estimates of the 2B4T output layer went from 20–21 to 15 ms
/// (2 threads, from memory). With one or two vectors the pass waits on memory, and the 256-bit tiles stay
/// (<see cref="Int8Int16Tiles"/>).
/// </para>
/// </summary>
internal static unsafe class Int8Int16Avx512Tiles
{
    // sums[t] = Σ_c code[c]·q_t[c], q_t = q + t·qStride

    /// <summary>One row × 4 vectors; two accumulators per vector (even and odd 32-column chunks).</summary>
    public static void Row1Vectors4(sbyte* codes, short* q, long qStride, int cols, long* sums)
    {
        short* q0 = q, q1 = q + qStride, q2 = q + 2 * qStride, q3 = q + 3 * qStride;
        Vector512<int> e0 = default, e1 = default, e2 = default, e3 = default; // even chunks, per vector
        Vector512<int> o0 = default, o1 = default, o2 = default, o3 = default; // odd chunks
        int c = 0;
        for (; c + 64 <= cols; c += 64)
        {
            var even = Widen(codes + c);
            var odd = Widen(codes + c + 32);
            e0 = Accumulate(e0, even, Vector512.Load(q0 + c)); o0 = Accumulate(o0, odd, Vector512.Load(q0 + c + 32));
            e1 = Accumulate(e1, even, Vector512.Load(q1 + c)); o1 = Accumulate(o1, odd, Vector512.Load(q1 + c + 32));
            e2 = Accumulate(e2, even, Vector512.Load(q2 + c)); o2 = Accumulate(o2, odd, Vector512.Load(q2 + c + 32));
            e3 = Accumulate(e3, even, Vector512.Load(q3 + c)); o3 = Accumulate(o3, odd, Vector512.Load(q3 + c + 32));
        }
        // Lanes are summed before any call: a vector live across a call makes the JIT spill it inside the loop.
        long s0 = SumLanes(e0, o0), s1 = SumLanes(e1, o1), s2 = SumLanes(e2, o2), s3 = SumLanes(e3, o3);
        sums[0] = s0 + Int8Int16Dot.DotScalar(codes, q0, c, cols);
        sums[1] = s1 + Int8Int16Dot.DotScalar(codes, q1, c, cols);
        sums[2] = s2 + Int8Int16Dot.DotScalar(codes, q2, c, cols);
        sums[3] = s3 + Int8Int16Dot.DotScalar(codes, q3, c, cols);
    }

    /// <summary>32 int8 codes sign-extended to int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<short> Widen(sbyte* codes) => Avx512BW.ConvertToVector512Int16(Vector256.Load(codes));

    /// <summary>sums + Σ of adjacent int16 products per 32-bit lane (vpmaddwd: exact, as codes are never -32768).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<int> Accumulate(Vector512<int> sums, Vector512<short> codes, Vector512<short> q) =>
        sums + Avx512BW.MultiplyAddAdjacent(codes, q);

    /// <summary>The 32 int32 lanes of two accumulators summed in 64 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long SumLanes(Vector512<int> a, Vector512<int> b) =>
        Vector512.Sum(Vector512.WidenLower(a) + Vector512.WidenUpper(a) + Vector512.WidenLower(b) + Vector512.WidenUpper(b));
}
