using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// AVX-512BW ternary dot products. A 64-byte load holds 4 codes for each of 64 consecutive columns (bits 2k: columns +64k);
/// vpmaddubsw (u8 code × s8 q, pairs summed to int16) does 64 products per instruction.
/// <para>
/// Matvec trick: codes are masked in place rather than shifted down: k = 1 and 3 give 4·code (mask 0x0C), so they go to a
/// separate "odd" accumulator that is divided by 4 (exactly) at the end. int16 sums are widened to int32 every 8 blocks,
/// before they can overflow (|odd| ≤ 8 blocks × 2 × 2 × 8 × 128 = 32768, reached only at -32768).
/// </para>
/// </summary>
internal static unsafe class TernaryDotAvx512
{
    const int BlocksPerFlush = 8;

    public static void DotGroup(byte* group, int fullBlocks, sbyte* q, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        var even0 = Vector512<int>.Zero; var even1 = Vector512<int>.Zero; var even2 = Vector512<int>.Zero; var even3 = Vector512<int>.Zero;
        var odd0 = Vector512<int>.Zero; var odd1 = Vector512<int>.Zero; var odd2 = Vector512<int>.Zero; var odd3 = Vector512<int>.Zero;
        var ones = Vector512.Create((short)1);

        for (int b = blockStart; b < blockEnd;)
        {
            int flushAt = Math.Min(b + BlocksPerFlush, blockEnd);
            var e0 = Vector512<short>.Zero; var e1 = Vector512<short>.Zero; var e2 = Vector512<short>.Zero; var e3 = Vector512<short>.Zero;
            var o0 = Vector512<short>.Zero; var o1 = Vector512<short>.Zero; var o2 = Vector512<short>.Zero; var o3 = Vector512<short>.Zero;
            for (; b < flushAt; b++)
            {
                byte* block = group + b * TernaryMatrix.BlockCols; // 4 rows × 64 bytes
                sbyte* qb = q + b * TernaryMatrix.BlockCols;
                var a0 = Vector512.Load(qb);
                var a1 = Vector512.Load(qb + 64);
                var a2 = Vector512.Load(qb + 128);
                var a3 = Vector512.Load(qb + 192);
                AccumulateRow(Vector512.Load(block), a0, a1, a2, a3, ref e0, ref o0);
                AccumulateRow(Vector512.Load(block + 64), a0, a1, a2, a3, ref e1, ref o1);
                AccumulateRow(Vector512.Load(block + 128), a0, a1, a2, a3, ref e2, ref o2);
                AccumulateRow(Vector512.Load(block + 192), a0, a1, a2, a3, ref e3, ref o3);
            }
            even0 += Avx512BW.MultiplyAddAdjacent(e0, ones); odd0 += Avx512BW.MultiplyAddAdjacent(o0, ones);
            even1 += Avx512BW.MultiplyAddAdjacent(e1, ones); odd1 += Avx512BW.MultiplyAddAdjacent(o1, ones);
            even2 += Avx512BW.MultiplyAddAdjacent(e2, ones); odd2 += Avx512BW.MultiplyAddAdjacent(o2, ones);
            even3 += Avx512BW.MultiplyAddAdjacent(e3, ones); odd3 += Avx512BW.MultiplyAddAdjacent(o3, ones);
        }

        sums[0] = Vector512.Sum(even0 + Vector512.ShiftRightArithmetic(odd0, 2));
        sums[1] = Vector512.Sum(even1 + Vector512.ShiftRightArithmetic(odd1, 2));
        sums[2] = Vector512.Sum(even2 + Vector512.ShiftRightArithmetic(odd2, 2));
        sums[3] = Vector512.Sum(even3 + Vector512.ShiftRightArithmetic(odd3, 2));
        if (withHalfBlock) TernaryDotAvx2.AddHalfBlock(group, fullBlocks, q, sums);
    }

    /// <summary>even += code_0·a0 + code_2·a2; odd += 4·(code_1·a1 + code_3·a3), for one row's 64 packed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateRow(Vector512<byte> packed, Vector512<sbyte> a0, Vector512<sbyte> a1, Vector512<sbyte> a2, Vector512<sbyte> a3,
        ref Vector512<short> even, ref Vector512<short> odd)
    {
        var low = Vector512.Create((byte)0x03);
        var high = Vector512.Create((byte)0x0C);
        var upper = Vector512.ShiftRightLogical(packed.AsUInt16(), 4).AsByte(); // bits 4..7 of each byte moved to 0..3
        even += Avx512BW.MultiplyAddAdjacent(packed & low, a0) + Avx512BW.MultiplyAddAdjacent(upper & low, a2);
        odd += Avx512BW.MultiplyAddAdjacent(packed & high, a1) + Avx512BW.MultiplyAddAdjacent(upper & high, a3);
    }

    /// <summary>
    /// 4 rows × 4 tokens. Codes are unpacked once per block and reused for 4 tokens; each of the 16 (row, token) pairs
    /// keeps an int16 sum (≤ 4 × 512 per block, so 16 blocks fit) that is widened into int32 partial sums on the stack.
    /// </summary>
    public static void DotGroup4Tokens(byte* group, int fullBlocks, sbyte* q, int tokenStride, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        const int blocksPerFlush = 16;
        var wide = stackalloc Vector512<int>[16]; // [token·4 + row]
        for (int i = 0; i < 16; i++) wide[i] = Vector512<int>.Zero;
        var ones = Vector512.Create((short)1);
        sbyte* q0 = q, q1 = q + tokenStride, q2 = q + 2 * tokenStride, q3 = q + 3 * tokenStride;

        for (int b = blockStart; b < blockEnd;)
        {
            int flushAt = Math.Min(b + blocksPerFlush, blockEnd);
            // s{row}{token}
            Vector512<short> s00 = default, s01 = default, s02 = default, s03 = default;
            Vector512<short> s10 = default, s11 = default, s12 = default, s13 = default;
            Vector512<short> s20 = default, s21 = default, s22 = default, s23 = default;
            Vector512<short> s30 = default, s31 = default, s32 = default, s33 = default;
            for (; b < flushAt; b++)
            {
                byte* block = group + b * TernaryMatrix.BlockCols;
                var p0 = Vector512.Load(block);
                var p1 = Vector512.Load(block + 64);
                var p2 = Vector512.Load(block + 128);
                var p3 = Vector512.Load(block + 192);
                for (int k = 0; k < 4; k++)
                {
                    int offset = b * TernaryMatrix.BlockCols + 64 * k;
                    var a0 = Vector512.Load(q0 + offset);
                    var a1 = Vector512.Load(q1 + offset);
                    var a2 = Vector512.Load(q2 + offset);
                    var a3 = Vector512.Load(q3 + offset);
                    AccumulateTokens(Codes(p0, k), a0, a1, a2, a3, ref s00, ref s01, ref s02, ref s03);
                    AccumulateTokens(Codes(p1, k), a0, a1, a2, a3, ref s10, ref s11, ref s12, ref s13);
                    AccumulateTokens(Codes(p2, k), a0, a1, a2, a3, ref s20, ref s21, ref s22, ref s23);
                    AccumulateTokens(Codes(p3, k), a0, a1, a2, a3, ref s30, ref s31, ref s32, ref s33);
                }
            }
            Widen(wide, 0, s00, s10, s20, s30, ones);
            Widen(wide, 4, s01, s11, s21, s31, ones);
            Widen(wide, 8, s02, s12, s22, s32, ones);
            Widen(wide, 12, s03, s13, s23, s33, ones);
        }

        for (int i = 0; i < 16; i++) sums[i] = Vector512.Sum(wide[i]);
        if (withHalfBlock)
            for (int t = 0; t < 4; t++) TernaryDotAvx2.AddHalfBlock(group, fullBlocks, q + (long)t * tokenStride, sums + 4 * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<byte> Codes(Vector512<byte> packed, int k) =>
        Vector512.ShiftRightLogical(packed.AsUInt16(), 2 * k).AsByte() & Vector512.Create((byte)0x03);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateTokens(Vector512<byte> codes, Vector512<sbyte> a0, Vector512<sbyte> a1, Vector512<sbyte> a2, Vector512<sbyte> a3,
        ref Vector512<short> s0, ref Vector512<short> s1, ref Vector512<short> s2, ref Vector512<short> s3)
    {
        s0 += Avx512BW.MultiplyAddAdjacent(codes, a0);
        s1 += Avx512BW.MultiplyAddAdjacent(codes, a1);
        s2 += Avx512BW.MultiplyAddAdjacent(codes, a2);
        s3 += Avx512BW.MultiplyAddAdjacent(codes, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Widen(Vector512<int>* wide, int first, Vector512<short> r0, Vector512<short> r1, Vector512<short> r2, Vector512<short> r3, Vector512<short> ones)
    {
        wide[first] += Avx512BW.MultiplyAddAdjacent(r0, ones);
        wide[first + 1] += Avx512BW.MultiplyAddAdjacent(r1, ones);
        wide[first + 2] += Avx512BW.MultiplyAddAdjacent(r2, ones);
        wide[first + 3] += Avx512BW.MultiplyAddAdjacent(r3, ones);
    }
}
