using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Register tiles of <see cref="Int8Int16Dot"/> on AVX2: one row of codes against 4, 2 or 1 activation vectors.
/// <para>
/// Each tile keeps 8 (4 for one vector) sums going at once, over interleaved 16-column chunks: a multiply-add waits for
/// the one before it on the same accumulator, and with one accumulator per vector the loop waited on those chains (two
/// sequences' estimates of the 2B4T output layer took 11–17 ms against 7 for one, although both read the same codes).
/// A tile reads its row once, front to back: one sequential stream per thread is what DRAM serves fastest here (tiles
/// over 2–8 rows at once, which load each vector once for several rows, ran up to 2× slower from memory with 2 or 4
/// vectors; benchmarks/README).
/// </para>
/// </summary>
internal static unsafe class Int8Int16Tiles
{
    // sums[t] = Σ_c code[c]·q_t[c], q_t = q + t·qStride

    /// <summary>One row × 4 vectors; two accumulators per vector (even and odd 16-column chunks).</summary>
    public static void Row1Vectors4<TPairs>(sbyte* codes, short* q, long qStride, int cols, long* sums) where TPairs : IPairMultiplyAdd
    {
        short* q0 = q, q1 = q + qStride, q2 = q + 2 * qStride, q3 = q + 3 * qStride;
        Vector256<int> e0 = default, e1 = default, e2 = default, e3 = default; // even chunks, per vector
        Vector256<int> o0 = default, o1 = default, o2 = default, o3 = default; // odd chunks
        int c = 0;
        for (; c + 32 <= cols; c += 32)
        {
            var even = Widen(codes + c);
            var odd = Widen(codes + c + 16);
            e0 = TPairs.Accumulate(e0, even, Vector256.Load(q0 + c)); o0 = TPairs.Accumulate(o0, odd, Vector256.Load(q0 + c + 16));
            e1 = TPairs.Accumulate(e1, even, Vector256.Load(q1 + c)); o1 = TPairs.Accumulate(o1, odd, Vector256.Load(q1 + c + 16));
            e2 = TPairs.Accumulate(e2, even, Vector256.Load(q2 + c)); o2 = TPairs.Accumulate(o2, odd, Vector256.Load(q2 + c + 16));
            e3 = TPairs.Accumulate(e3, even, Vector256.Load(q3 + c)); o3 = TPairs.Accumulate(o3, odd, Vector256.Load(q3 + c + 16));
        }
        // Lanes are summed before any call: a vector live across a call makes the JIT spill it inside the loop.
        long s0 = SumLanes(e0, o0), s1 = SumLanes(e1, o1), s2 = SumLanes(e2, o2), s3 = SumLanes(e3, o3);
        sums[0] = s0 + Int8Int16Dot.DotScalar(codes, q0, c, cols);
        sums[1] = s1 + Int8Int16Dot.DotScalar(codes, q1, c, cols);
        sums[2] = s2 + Int8Int16Dot.DotScalar(codes, q2, c, cols);
        sums[3] = s3 + Int8Int16Dot.DotScalar(codes, q3, c, cols);
    }

    /// <summary>One row × 2 vectors; four accumulators per vector (16-column chunks 0–3 of every 64).</summary>
    public static void Row1Vectors2<TPairs>(sbyte* codes, short* q, long qStride, int cols, long* sums) where TPairs : IPairMultiplyAdd
    {
        short* q0 = q, q1 = q + qStride;
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default; // vector 0, chunk 0..3
        Vector256<int> b0 = default, b1 = default, b2 = default, b3 = default; // vector 1
        int c = 0;
        for (; c + 64 <= cols; c += 64)
        {
            var w = Widen(codes + c);
            a0 = TPairs.Accumulate(a0, w, Vector256.Load(q0 + c)); b0 = TPairs.Accumulate(b0, w, Vector256.Load(q1 + c));
            w = Widen(codes + c + 16);
            a1 = TPairs.Accumulate(a1, w, Vector256.Load(q0 + c + 16)); b1 = TPairs.Accumulate(b1, w, Vector256.Load(q1 + c + 16));
            w = Widen(codes + c + 32);
            a2 = TPairs.Accumulate(a2, w, Vector256.Load(q0 + c + 32)); b2 = TPairs.Accumulate(b2, w, Vector256.Load(q1 + c + 32));
            w = Widen(codes + c + 48);
            a3 = TPairs.Accumulate(a3, w, Vector256.Load(q0 + c + 48)); b3 = TPairs.Accumulate(b3, w, Vector256.Load(q1 + c + 48));
        }
        long s0 = SumLanes(a0, a1) + SumLanes(a2, a3), s1 = SumLanes(b0, b1) + SumLanes(b2, b3);
        sums[0] = s0 + Int8Int16Dot.DotScalar(codes, q0, c, cols);
        sums[1] = s1 + Int8Int16Dot.DotScalar(codes, q1, c, cols);
    }

    /// <summary>One row × 1 vector; four accumulators (16-column chunks 0–3 of every 64).</summary>
    public static long Row1Vector1<TPairs>(sbyte* codes, short* q, int cols) where TPairs : IPairMultiplyAdd
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
        int c = 0;
        for (; c + 64 <= cols; c += 64)
        {
            a0 = TPairs.Accumulate(a0, Widen(codes + c), Vector256.Load(q + c));
            a1 = TPairs.Accumulate(a1, Widen(codes + c + 16), Vector256.Load(q + c + 16));
            a2 = TPairs.Accumulate(a2, Widen(codes + c + 32), Vector256.Load(q + c + 32));
            a3 = TPairs.Accumulate(a3, Widen(codes + c + 48), Vector256.Load(q + c + 48));
        }
        long sum = SumLanes(a0, a1) + SumLanes(a2, a3);
        return sum + Int8Int16Dot.DotScalar(codes, q, c, cols);
    }

    /// <summary>16 int8 codes sign-extended to int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<short> Widen(sbyte* codes) => Avx2.ConvertToVector256Int16(Vector128.Load(codes));

    /// <summary>The 16 int32 lanes of two accumulators summed in 64 bits (each lane is exact; their sum may not fit 32 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long SumLanes(Vector256<int> a, Vector256<int> b) =>
        Vector256.Sum(Vector256.WidenLower(a) + Vector256.WidenUpper(a) + Vector256.WidenLower(b) + Vector256.WidenUpper(b));
}
