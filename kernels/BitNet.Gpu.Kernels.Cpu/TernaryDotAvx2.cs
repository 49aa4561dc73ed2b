using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// AVX2 ternary dot products: the AVX-512 scheme (see <see cref="TernaryDotAvx512"/>) on 32-byte halves.
/// A row's 64-byte block is two halves h; byte j of half h holds column 32h + j + 64k in bits 2k.
/// Both halves add into the same int16 lanes, so they are widened every 4 blocks instead of 8.
/// <para>
/// Prompts read a group unpacked to a byte per code (<see cref="UnpackGroup"/>), as on AVX-512, with a tile of 4 rows ×
/// 2 tokens: 8 int16 sums, 2 activation registers and a code register, 12 of AVX2's 16 ymm registers, so that every
/// 32 codes loaded feed two vpmaddubsw and no shift or mask is left in the inner loop.
/// </para>
/// </summary>
internal static unsafe class TernaryDotAvx2
{
    const int BlocksPerFlush = 4;

    public static void DotGroup(byte* group, int fullBlocks, sbyte* q, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        var even0 = Vector256<int>.Zero; var even1 = Vector256<int>.Zero; var even2 = Vector256<int>.Zero; var even3 = Vector256<int>.Zero;
        var odd0 = Vector256<int>.Zero; var odd1 = Vector256<int>.Zero; var odd2 = Vector256<int>.Zero; var odd3 = Vector256<int>.Zero;
        var ones = Vector256.Create((short)1);

        for (int b = blockStart; b < blockEnd;)
        {
            int flushAt = Math.Min(b + BlocksPerFlush, blockEnd);
            var e0 = Vector256<short>.Zero; var e1 = Vector256<short>.Zero; var e2 = Vector256<short>.Zero; var e3 = Vector256<short>.Zero;
            var o0 = Vector256<short>.Zero; var o1 = Vector256<short>.Zero; var o2 = Vector256<short>.Zero; var o3 = Vector256<short>.Zero;
            for (; b < flushAt; b++)
            {
                for (int half = 0; half < 2; half++)
                {
                    byte* packed = group + b * TernaryMatrix.BlockCols + 32 * half; // row r at +64r
                    sbyte* qh = q + b * TernaryMatrix.BlockCols + 32 * half;
                    var a0 = Vector256.Load(qh);
                    var a1 = Vector256.Load(qh + 64);
                    var a2 = Vector256.Load(qh + 128);
                    var a3 = Vector256.Load(qh + 192);
                    AccumulateRow(Vector256.Load(packed), a0, a1, a2, a3, ref e0, ref o0);
                    AccumulateRow(Vector256.Load(packed + 64), a0, a1, a2, a3, ref e1, ref o1);
                    AccumulateRow(Vector256.Load(packed + 128), a0, a1, a2, a3, ref e2, ref o2);
                    AccumulateRow(Vector256.Load(packed + 192), a0, a1, a2, a3, ref e3, ref o3);
                }
            }
            even0 += Avx2.MultiplyAddAdjacent(e0, ones); odd0 += Avx2.MultiplyAddAdjacent(o0, ones);
            even1 += Avx2.MultiplyAddAdjacent(e1, ones); odd1 += Avx2.MultiplyAddAdjacent(o1, ones);
            even2 += Avx2.MultiplyAddAdjacent(e2, ones); odd2 += Avx2.MultiplyAddAdjacent(o2, ones);
            even3 += Avx2.MultiplyAddAdjacent(e3, ones); odd3 += Avx2.MultiplyAddAdjacent(o3, ones);
        }

        sums[0] = Vector256.Sum(even0 + Vector256.ShiftRightArithmetic(odd0, 2));
        sums[1] = Vector256.Sum(even1 + Vector256.ShiftRightArithmetic(odd1, 2));
        sums[2] = Vector256.Sum(even2 + Vector256.ShiftRightArithmetic(odd2, 2));
        sums[3] = Vector256.Sum(even3 + Vector256.ShiftRightArithmetic(odd3, 2));
        if (withHalfBlock) AddHalfBlock(group, fullBlocks, q, sums);
    }

    /// <summary>sums[r] += Σ code·q over the half block (4 rows × 32 bytes; byte j holds column j + 32k in bits 2k).</summary>
    public static void AddHalfBlock(byte* group, int fullBlocks, sbyte* q, int* sums)
    {
        byte* packed = group + fullBlocks * TernaryMatrix.BlockCols;
        sbyte* qh = q + fullBlocks * TernaryMatrix.BlockCols;
        var a0 = Vector256.Load(qh);
        var a1 = Vector256.Load(qh + 32);
        var a2 = Vector256.Load(qh + 64);
        var a3 = Vector256.Load(qh + 96);
        var ones = Vector256.Create((short)1);
        for (int r = 0; r < TernaryMatrix.GroupRows; r++)
        {
            var even = Vector256<short>.Zero;
            var odd = Vector256<short>.Zero;
            AccumulateRow(Vector256.Load(packed + 32 * r), a0, a1, a2, a3, ref even, ref odd);
            var wide = Avx2.MultiplyAddAdjacent(even, ones) + Vector256.ShiftRightArithmetic(Avx2.MultiplyAddAdjacent(odd, ones), 2);
            sums[r] += Vector256.Sum(wide);
        }
    }

    /// <summary>Unpacks the full blocks of one row group to a code byte per value, at <see cref="TernaryDot.UnpackedOffset"/>.</summary>
    public static void UnpackGroup(byte* group, int fullBlocks, byte* codes)
    {
        var mask = Vector256.Create((byte)0x03);
        for (int b = 0; b < fullBlocks; b++)
            for (int r = 0; r < TernaryMatrix.GroupRows; r++)
                for (int half = 0; half < 2; half++)
                {
                    // byte j of this half holds column 32·half + j + 64k in bits 2k
                    var packed = Vector256.Load(group + b * TernaryMatrix.BlockCols + r * 64 + 32 * half).AsUInt16();
                    for (int k = 0; k < 4; k++)
                        (Vector256.ShiftRightLogical(packed, 2 * k).AsByte() & mask).Store(codes + TernaryDot.UnpackedOffset(b, k, r) + 32 * half);
                }
    }

    /// <summary>
    /// 4 rows × 4 tokens over full blocks [blockStart, blockEnd) of an unpacked group: sums[4·t + r] = Σ code[r, c]·q_t[c],
    /// as two passes of 4 rows × 2 tokens.
    /// </summary>
    public static void DotUnpacked4Tokens(byte* codes, sbyte* q, int tokenStride, int blockStart, int blockEnd, int* sums)
    {
        DotUnpacked2Tokens(codes, q, tokenStride, blockStart, blockEnd, sums);
        DotUnpacked2Tokens(codes, q + 2L * tokenStride, tokenStride, blockStart, blockEnd, sums + 8);
    }

    /// <summary>
    /// sums[4·t + r] = Σ code[r, c]·q_t[c] for 4 rows and tokens t = 0, 1. Each (row, token) pair keeps an int16 sum that
    /// takes 8 vpmaddubsw results of at most 512 in magnitude per block, so 8 blocks (64 adds) fit before it is widened.
    /// </summary>
    static void DotUnpacked2Tokens(byte* codes, sbyte* q, int tokenStride, int blockStart, int blockEnd, int* sums)
    {
        const int blocksPerFlush = 8;
        for (int i = 0; i < 8; i++) sums[i] = 0;

        for (int b = blockStart; b < blockEnd;)
        {
            int flushAt = Math.Min(b + blocksPerFlush, blockEnd);
            Vector256<short> s00 = default, s01 = default, s10 = default, s11 = default; // s{row}{token}
            Vector256<short> s20 = default, s21 = default, s30 = default, s31 = default;
            // Pointers step through the block's 64-column quarters k: activations at 256b + 64k, codes at UnpackedOffset(b, k, 0).
            sbyte* q0 = q + b * TernaryMatrix.BlockCols;
            byte* c = codes + TernaryDot.UnpackedOffset(b, 0, 0);
            sbyte* end = q + flushAt * TernaryMatrix.BlockCols;
            for (; q0 < end; q0 += 64, c += 256)
            {
                // Both 32-column halves of the quarter, written out: the loop's address arithmetic is then a fraction of the work.
                AccumulateQuarterHalf(c, q0, q0 + tokenStride, ref s00, ref s01, ref s10, ref s11, ref s20, ref s21, ref s30, ref s31);
                AccumulateQuarterHalf(c + 32, q0 + 32, q0 + tokenStride + 32, ref s00, ref s01, ref s10, ref s11, ref s20, ref s21, ref s30, ref s31);
            }
            b = flushAt;
            Flush(sums, 0, s00, s10, s20, s30);
            Flush(sums, 4, s01, s11, s21, s31);
        }
    }

    /// <summary>32 columns of 4 rows (codes at c + 64r) against 2 tokens' activations: s{r}{t} += code_r·a_t in pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateQuarterHalf(byte* c, sbyte* qa, sbyte* qb,
        ref Vector256<short> s00, ref Vector256<short> s01, ref Vector256<short> s10, ref Vector256<short> s11,
        ref Vector256<short> s20, ref Vector256<short> s21, ref Vector256<short> s30, ref Vector256<short> s31)
    {
        var a0 = Vector256.Load(qa);
        var a1 = Vector256.Load(qb);
        AccumulateTokens(Vector256.Load(c), a0, a1, ref s00, ref s01);
        AccumulateTokens(Vector256.Load(c + 64), a0, a1, ref s10, ref s11);
        AccumulateTokens(Vector256.Load(c + 128), a0, a1, ref s20, ref s21);
        AccumulateTokens(Vector256.Load(c + 192), a0, a1, ref s30, ref s31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateTokens(Vector256<byte> codes, Vector256<sbyte> a0, Vector256<sbyte> a1, ref Vector256<short> s0, ref Vector256<short> s1)
    {
        s0 += Avx2.MultiplyAddAdjacent(codes, a0);
        s1 += Avx2.MultiplyAddAdjacent(codes, a1);
    }

    /// <summary>Adds one token's four int16 row sums (widened pairwise to int32, then summed) to sums[first .. first + 3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Flush(int* sums, int first, Vector256<short> r0, Vector256<short> r1, Vector256<short> r2, Vector256<short> r3)
    {
        var ones = Vector256.Create((short)1);
        var r01 = Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(r0, ones), Avx2.MultiplyAddAdjacent(r1, ones)); // per lane [r0, r0, r1, r1]
        var r23 = Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(r2, ones), Avx2.MultiplyAddAdjacent(r3, ones));
        var all = Avx2.HorizontalAdd(r01, r23);                                                                 // per lane [r0, r1, r2, r3]
        (Vector128.Load(sums + first) + all.GetLower() + all.GetUpper()).Store(sums + first);
    }

    /// <summary>even += code_0·a0 + code_2·a2; odd += 4·(code_1·a1 + code_3·a3), for 32 packed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateRow(Vector256<byte> packed, Vector256<sbyte> a0, Vector256<sbyte> a1, Vector256<sbyte> a2, Vector256<sbyte> a3,
        ref Vector256<short> even, ref Vector256<short> odd)
    {
        var low = Vector256.Create((byte)0x03);
        var high = Vector256.Create((byte)0x0C);
        var upper = Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte();
        even += Avx2.MultiplyAddAdjacent(packed & low, a0) + Avx2.MultiplyAddAdjacent(upper & low, a2);
        odd += Avx2.MultiplyAddAdjacent(packed & high, a1) + Avx2.MultiplyAddAdjacent(upper & high, a3);
    }
}
