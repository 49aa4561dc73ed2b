using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// The integer core of the ternary products: for one group of 4 rows, Σ code·q over a range of columns,
/// where code = t + 1 ∈ {0, 1, 2} (the caller subtracts Σ q to get Σ t·q). Sums are exact (int32).
/// One implementation per <see cref="SimdPath"/>; all give identical results.
/// </summary>
internal static unsafe class TernaryDot
{
    /// <summary>
    /// sums[r] = Σ code[r, c]·q[c] over full blocks [blockStart, blockEnd), plus the half block when <paramref name="withHalfBlock"/>.
    /// </summary>
    /// <param name="group">One row group of a <see cref="TernaryMatrix"/>.</param>
    /// <param name="q">The whole activation row (cols values).</param>
    /// <param name="sums">4 ints, overwritten.</param>
    public static void DotGroup(SimdPath path, byte* group, int fullBlocks, sbyte* q, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        switch (path)
        {
            case SimdPath.Avx512: TernaryDotAvx512.DotGroup(group, fullBlocks, q, blockStart, blockEnd, withHalfBlock, sums); break;
            case SimdPath.Avx2Vnni: TernaryDotAvx2Vnni.DotGroup(group, fullBlocks, q, blockStart, blockEnd, withHalfBlock, sums); break;
            case SimdPath.Avx2: TernaryDotAvx2.DotGroup(group, fullBlocks, q, blockStart, blockEnd, withHalfBlock, sums); break;
            case SimdPath.Vector128: TernaryDotVector128.DotGroup(group, fullBlocks, q, blockStart, blockEnd, withHalfBlock, sums); break;
            default: DotGroupScalar(group, fullBlocks, q, blockStart, blockEnd, withHalfBlock, sums); break;
        }
    }

    /// <summary>Whether <see cref="DotGroup4Tokens"/> on this path reads a group unpacked by <see cref="UnpackGroup"/>.</summary>
    public static bool UsesUnpackedGroups(SimdPath path) => SimdSupport.HasAvx2(path);

    /// <summary>Bytes of scratch <see cref="UnpackGroup"/> needs for a matrix with <paramref name="fullBlocks"/> full blocks per row: a byte per code.</summary>
    public static long UnpackedGroupBytes(int fullBlocks) => (long)fullBlocks * TernaryMatrix.BlockCols * TernaryMatrix.GroupRows;

    /// <summary>
    /// Where an unpacked group keeps the 64 codes of row <paramref name="row"/> for columns 256·block + 64·k .. + 63.
    /// A prompt reuses a group for every 4 tokens, so unpacking it once takes the shifts out of the inner loop.
    /// </summary>
    public static long UnpackedOffset(int block, int k, int row) => 1024L * block + 256 * k + 64 * row;

    /// <summary>Unpacks a group's full blocks to a byte per code at <see cref="UnpackedOffset"/> (only on paths where <see cref="UsesUnpackedGroups"/>).</summary>
    public static void UnpackGroup(SimdPath path, byte* group, int fullBlocks, byte* unpacked)
    {
        if (path == SimdPath.Avx512) TernaryDotAvx512.UnpackGroup(group, fullBlocks, unpacked);
        else if (path is SimdPath.Avx2 or SimdPath.Avx2Vnni) TernaryDotAvx2.UnpackGroup(group, fullBlocks, unpacked);
        else throw new ArgumentOutOfRangeException(nameof(path), path, "This path reads groups packed.");
    }

    /// <summary>
    /// The same for 4 tokens at once: sums[4·t + r] = Σ code[r, c]·q_t[c], with q_t = <paramref name="q"/> + t·<paramref name="tokenStride"/>.
    /// <paramref name="unpacked"/> is the group after <see cref="UnpackGroup"/> where <see cref="UsesUnpackedGroups"/>, else unused.
    /// </summary>
    public static void DotGroup4Tokens(SimdPath path, byte* group, byte* unpacked, int fullBlocks, sbyte* q, int tokenStride,
        int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        if (UsesUnpackedGroups(path))
        {
            if (path == SimdPath.Avx512) TernaryDotAvx512.DotUnpacked4Tokens(unpacked, q, tokenStride, blockStart, blockEnd, sums);
            else if (path == SimdPath.Avx2Vnni) TernaryDotAvx2Vnni.DotUnpacked4Tokens(unpacked, q, tokenStride, blockStart, blockEnd, sums);
            else TernaryDotAvx2.DotUnpacked4Tokens(unpacked, q, tokenStride, blockStart, blockEnd, sums);
            if (withHalfBlock)
                for (int t = 0; t < 4; t++) TernaryDotAvx2.AddHalfBlock(group, fullBlocks, q + (long)t * tokenStride, sums + 4 * t);
            return;
        }
        for (int t = 0; t < 4; t++)
            DotGroup(path, group, fullBlocks, q + (long)t * tokenStride, blockStart, blockEnd, withHalfBlock, sums + 4 * t);
    }

    static void DotGroupScalar(byte* group, int fullBlocks, sbyte* q, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        for (int r = 0; r < TernaryMatrix.GroupRows; r++)
        {
            int sum = 0;
            for (int b = blockStart; b < blockEnd; b++)
                sum += DotBytesScalar(group + b * TernaryMatrix.BlockCols + r * 64, q + b * TernaryMatrix.BlockCols, bytes: 64);
            if (withHalfBlock)
                sum += DotBytesScalar(group + fullBlocks * TernaryMatrix.BlockCols + r * 32, q + fullBlocks * TernaryMatrix.BlockCols, bytes: 32);
            sums[r] = sum;
        }
    }

    /// <summary>Σ code·q for one row's block: byte j holds column j + bytes·k in bits 2k.</summary>
    static int DotBytesScalar(byte* codes, sbyte* q, int bytes)
    {
        int sum = 0;
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < bytes; j++)
                sum += ((codes[j] >> (2 * k)) & 3) * q[j + bytes * k];
        return sum;
    }

    /// <summary>Σ q over [start, end) (a multiple of 16 long, as every scale block is).</summary>
    public static int Sum(sbyte* q, int start, int end)
    {
        var wide = Vector128<int>.Zero;
        int i = start;
        for (; i + 16 <= end; i += 16)
        {
            var (low, high) = Vector128.Widen(Vector128.Load(q + i));
            var (a, b) = Vector128.Widen(low + high); // |low + high| ≤ 256 per lane: no int16 overflow
            wide += a + b;
        }
        int sum = Vector128.Sum(wide);
        for (; i < end; i++) sum += q[i];
        return sum;
    }
}
