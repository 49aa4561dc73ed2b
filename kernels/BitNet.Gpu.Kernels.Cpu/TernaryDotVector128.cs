using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Portable 128-bit ternary dot products (SSE on x86, AdvSimd on ARM64) using only cross-platform Vector128 operations:
/// codes and activations are widened to int16, multiplied (|code·q| ≤ 256) and summed per block into int32.
/// A 16-byte chunk c of a row's block holds, in bits 2k, columns 16c + j + (block bytes)·k.
/// </summary>
internal static unsafe class TernaryDotVector128
{
    public static void DotGroup(byte* group, int fullBlocks, sbyte* q, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        for (int r = 0; r < TernaryMatrix.GroupRows; r++)
        {
            var total = Vector128<int>.Zero;
            for (int b = blockStart; b < blockEnd; b++)
                total += DotBytes(group + b * TernaryMatrix.BlockCols + 64 * r, q + b * TernaryMatrix.BlockCols, bytes: 64);
            if (withHalfBlock)
                total += DotBytes(group + fullBlocks * TernaryMatrix.BlockCols + 32 * r, q + fullBlocks * TernaryMatrix.BlockCols, bytes: 32);
            sums[r] = Vector128.Sum(total);
        }
    }

    /// <summary>Σ code·q for one row's packed bytes (64 or 32), as 4 int32 partial sums.</summary>
    static Vector128<int> DotBytes(byte* packed, sbyte* q, int bytes)
    {
        var sum16 = Vector128<short>.Zero; // ≤ 16 products of ≤ 256 per lane
        for (int chunk = 0; chunk < bytes; chunk += 16)
        {
            var codes = Vector128.Load(packed + chunk);
            for (int k = 0; k < 4; k++)
            {
                var c = Vector128.ShiftRightLogical(codes, 2 * k) & Vector128.Create((byte)3);
                var a = Vector128.Load(q + chunk + bytes * k);
                sum16 += MultiplyWidened(c, a);
            }
        }
        var (lower, upper) = Vector128.Widen(sum16);
        return lower + upper;
    }

    /// <summary>Products of 16 codes and activations, pairwise added into 8 int16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<short> MultiplyWidened(Vector128<byte> codes, Vector128<sbyte> q)
    {
        var (codesLow, codesHigh) = Vector128.Widen(codes);
        var (qLow, qHigh) = Vector128.Widen(q);
        return codesLow.AsInt16() * qLow + codesHigh.AsInt16() * qHigh;
    }
}
