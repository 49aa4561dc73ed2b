using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// AVX2 ternary dot products: the AVX-512 scheme (see <see cref="TernaryDotAvx512"/>) on 32-byte halves.
/// A row's 64-byte block is two halves h; byte j of half h holds column 32h + j + 64k in bits 2k.
/// Both halves add into the same int16 lanes, so they are widened every 4 blocks instead of 8.
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
