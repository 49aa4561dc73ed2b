using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// AVX-512BW ternary dot products. A 64-byte load holds 4 codes for each of 64 consecutive columns (bits 2k: columns +64k);
/// vpmaddubsw (u8 code × s8 q, pairs summed to int16) does 64 products per instruction.
/// <para>
/// Matvec trick: codes are masked in place rather than shifted down: k = 1 and 3 give 4·code (mask 0x0C), so they go to
/// separate "odd" accumulators that are divided by 4 (exactly) when widened. One int16 accumulator per odd field, rather
/// than one for both, lets the sums run 16 blocks (a whole 2560-column row) before they are widened to int32: the same
/// number of adds, and 3–5% fewer cycles per 64 bytes in cache.
/// </para>
/// </summary>
internal static unsafe class TernaryDotAvx512
{
    const int BlocksPerFlush = 16;

    public static void DotGroup(byte* group, int fullBlocks, sbyte* q, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        var total0 = Vector512<int>.Zero; var total1 = Vector512<int>.Zero; var total2 = Vector512<int>.Zero; var total3 = Vector512<int>.Zero;
        // Made once here and passed down: created inside the inlined helper, the JIT re-broadcasts them every block.
        var lowMask = Vector512.Create((byte)0x03);
        var highMask = Vector512.Create((byte)0x0C);

        for (int b = blockStart; b < blockEnd;)
        {
            int flushAt = Math.Min(b + BlocksPerFlush, blockEnd);
            Int16Sums s0 = default, s1 = default, s2 = default, s3 = default;
            for (; b < flushAt; b++)
            {
                byte* block = group + b * TernaryMatrix.BlockCols; // 4 rows × 64 bytes
                sbyte* qb = q + b * TernaryMatrix.BlockCols;
                var a0 = Vector512.Load(qb);
                var a1 = Vector512.Load(qb + 64);
                var a2 = Vector512.Load(qb + 128);
                var a3 = Vector512.Load(qb + 192);
                AccumulateRow(Vector512.Load(block), a0, a1, a2, a3, lowMask, highMask, ref s0);
                AccumulateRow(Vector512.Load(block + 64), a0, a1, a2, a3, lowMask, highMask, ref s1);
                AccumulateRow(Vector512.Load(block + 128), a0, a1, a2, a3, lowMask, highMask, ref s2);
                AccumulateRow(Vector512.Load(block + 192), a0, a1, a2, a3, lowMask, highMask, ref s3);
            }
            total0 += s0.Widen(); total1 += s1.Widen(); total2 += s2.Widen(); total3 += s3.Widen();
        }

        SumEach(total0, total1, total2, total3).Store(sums);
        if (withHalfBlock) TernaryDotAvx2.AddHalfBlock(group, fullBlocks, q, sums);
    }

    /// <summary>
    /// One row's int16 partial sums over at most <see cref="BlocksPerFlush"/> blocks: Even = Σ code_0·a0 + code_2·a2,
    /// Odd1 = Σ 4·code_1·a1 and Odd3 = Σ 4·code_3·a3 (each bounded by 16 blocks × 2 × 4·2·128 = 32768, reached only at -32768).
    /// </summary>
    struct Int16Sums
    {
        public Vector512<short> Even, Odd1, Odd3;

        /// <summary>The row's Σ code·a as int32 lanes; the odd sums are multiples of 4, so the shift is exact.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector512<int> Widen()
        {
            var ones = Vector512.Create((short)1);
            return Avx512BW.MultiplyAddAdjacent(Even, ones)
                + Vector512.ShiftRightArithmetic(Avx512BW.MultiplyAddAdjacent(Odd1, ones) + Avx512BW.MultiplyAddAdjacent(Odd3, ones), 2);
        }
    }

    /// <summary>Adds one row's 64 packed bytes (256 columns) into its sums. Codes are masked in place: fields 1 and 3 come out as 4·code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateRow(Vector512<byte> packed, Vector512<sbyte> a0, Vector512<sbyte> a1, Vector512<sbyte> a2, Vector512<sbyte> a3,
        Vector512<byte> lowMask, Vector512<byte> highMask, ref Int16Sums sums)
    {
        var upper = Vector512.ShiftRightLogical(packed.AsUInt16(), 4).AsByte(); // bits 4..7 of each byte moved to 0..3
        sums.Even += Avx512BW.MultiplyAddAdjacent(packed & lowMask, a0) + Avx512BW.MultiplyAddAdjacent(upper & lowMask, a2);
        sums.Odd1 += Avx512BW.MultiplyAddAdjacent(packed & highMask, a1);
        sums.Odd3 += Avx512BW.MultiplyAddAdjacent(upper & highMask, a3);
    }

    /// <summary>Unpacks the full blocks of one row group to a code byte per value, at <see cref="TernaryDot.UnpackedOffset"/>.</summary>
    public static void UnpackGroup(byte* group, int fullBlocks, byte* codes)
    {
        var mask = Vector512.Create((byte)0x03);
        for (int b = 0; b < fullBlocks; b++)
            for (int r = 0; r < TernaryMatrix.GroupRows; r++)
            {
                var packed = Vector512.Load(group + b * TernaryMatrix.BlockCols + r * 64).AsUInt16();
                for (int k = 0; k < 4; k++)
                    (Vector512.ShiftRightLogical(packed, 2 * k).AsByte() & mask).Store(codes + TernaryDot.UnpackedOffset(b, k, r));
            }
    }

    /// <summary>
    /// 4 rows × 4 tokens over full blocks [blockStart, blockEnd) of an unpacked group: sums[4·t + r] = Σ code[r, c]·q_t[c].
    /// Each of the 16 (row, token) pairs keeps an int16 sum (|Σ| ≤ 4 × 512 per block, so 16 blocks fit) that is added
    /// into the int32 sums every 16 blocks.
    /// </summary>
    public static void DotUnpacked4Tokens(byte* codes, sbyte* q, int tokenStride, int blockStart, int blockEnd, int* sums)
    {
        const int blocksPerFlush = 16;
        for (int i = 0; i < 16; i++) sums[i] = 0;
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
                for (int k = 0; k < 4; k++)
                {
                    int column = b * TernaryMatrix.BlockCols + 64 * k;
                    var a0 = Vector512.Load(q0 + column);
                    var a1 = Vector512.Load(q1 + column);
                    var a2 = Vector512.Load(q2 + column);
                    var a3 = Vector512.Load(q3 + column);
                    byte* c = codes + TernaryDot.UnpackedOffset(b, k, 0);
                    AccumulateTokens(Vector512.Load(c), a0, a1, a2, a3, ref s00, ref s01, ref s02, ref s03);
                    AccumulateTokens(Vector512.Load(c + 64), a0, a1, a2, a3, ref s10, ref s11, ref s12, ref s13);
                    AccumulateTokens(Vector512.Load(c + 128), a0, a1, a2, a3, ref s20, ref s21, ref s22, ref s23);
                    AccumulateTokens(Vector512.Load(c + 192), a0, a1, a2, a3, ref s30, ref s31, ref s32, ref s33);
                }
            Flush(sums, 0, s00, s10, s20, s30);
            Flush(sums, 4, s01, s11, s21, s31);
            Flush(sums, 8, s02, s12, s22, s32);
            Flush(sums, 12, s03, s13, s23, s33);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AccumulateTokens(Vector512<byte> codes, Vector512<sbyte> a0, Vector512<sbyte> a1, Vector512<sbyte> a2, Vector512<sbyte> a3,
        ref Vector512<short> s0, ref Vector512<short> s1, ref Vector512<short> s2, ref Vector512<short> s3)
    {
        s0 += Avx512BW.MultiplyAddAdjacent(codes, a0);
        s1 += Avx512BW.MultiplyAddAdjacent(codes, a1);
        s2 += Avx512BW.MultiplyAddAdjacent(codes, a2);
        s3 += Avx512BW.MultiplyAddAdjacent(codes, a3);
    }

    /// <summary>Adds one token's four int16 row sums (widened pairwise to int32, then summed) to sums[first .. first + 3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Flush(int* sums, int first, Vector512<short> r0, Vector512<short> r1, Vector512<short> r2, Vector512<short> r3)
    {
        var ones = Vector512.Create((short)1);
        var rowSums = SumEach(Avx512BW.MultiplyAddAdjacent(r0, ones), Avx512BW.MultiplyAddAdjacent(r1, ones),
                              Avx512BW.MultiplyAddAdjacent(r2, ones), Avx512BW.MultiplyAddAdjacent(r3, ones));
        (Vector128.Load(sums + first) + rowSums).Store(sums + first);
    }

    /// <summary>[Σ r0, Σ r1, Σ r2, Σ r3]: interleaving adds leave each 128-bit lane holding partial sums of all four, then the lanes fold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<int> SumEach(Vector512<int> r0, Vector512<int> r1, Vector512<int> r2, Vector512<int> r3)
    {
        var r01 = Avx512F.UnpackLow(r0, r1) + Avx512F.UnpackHigh(r0, r1); // per lane [r0, r1, r0, r1] partials
        var r23 = Avx512F.UnpackLow(r2, r3) + Avx512F.UnpackHigh(r2, r3); // per lane [r2, r3, r2, r3] partials
        var all = Avx512F.UnpackLow(r01.AsInt64(), r23.AsInt64()).AsInt32() + Avx512F.UnpackHigh(r01.AsInt64(), r23.AsInt64()).AsInt32();
        var halves = all.GetLower() + all.GetUpper();
        return halves.GetLower() + halves.GetUpper();
    }
}
