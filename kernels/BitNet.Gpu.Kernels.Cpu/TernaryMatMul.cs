using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Ternary matrix × a batch of int8 activation rows (prompt processing), each token with its own activation scale:
/// y[n, r] = Σ_b scale[r, b] · (Σ_{c in b} t[r, c]·q[n, c]) / activationScales[n].
/// A group of 4 weight rows is read once for all tokens: on AVX-512 and AVX2 it is unpacked to a byte per weight
/// (L1-sized) and every 4 tokens pass over it; elsewhere each 4-token tile unpacks the packed codes itself.
/// </summary>
public static unsafe class TernaryMatMul
{
    const int TokenTile = 4;

    /// <summary>
    /// How many groups ahead of the one being multiplied the packed codes are requested. With a few tokens (a batch of
    /// sequences) a group takes well under a microsecond and the hardware prefetcher alone leaves the loop waiting on
    /// DRAM: 8 tokens × 6912×2560, 2 threads, 310 → 425 GMAC/s (1 or 4 groups ahead: 407, 413); no change at 2–4 or 128
    /// tokens. The one-token product (<see cref="TernaryMatVec"/>) streams at DRAM speed and does not: there prefetching
    /// took a 1-thread AVX2 decode from 24–25 to 17–22 tok/s.
    /// </summary>
    const int PrefetchGroupsAhead = 2;

    /// <param name="q">tokens × cols int8 activations, row-major.</param>
    /// <param name="activationScales">One per token (tokens = its length).</param>
    /// <param name="y">tokens × rows outputs, row-major, overwritten.</param>
    public static void Multiply(TernaryMatrix w, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> activationScales, Span<float> y, KernelThreadPool pool) =>
        Multiply(w, q, activationScales, y, pool, SimdSupport.Best);

    internal static void Multiply(TernaryMatrix w, ReadOnlySpan<sbyte> q, ReadOnlySpan<float> activationScales, Span<float> y,
        KernelThreadPool pool, SimdPath path)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(pool);
        int tokens = activationScales.Length;
        if (q.Length != (long)tokens * w.Cols) throw new ArgumentException($"Expected tokens × cols = {(long)tokens * w.Cols} activations, got {q.Length}.", nameof(q));
        if (y.Length != (long)tokens * w.Rows) throw new ArgumentException($"Expected tokens × rows = {(long)tokens * w.Rows} outputs, got {y.Length}.", nameof(y));
        SimdSupport.ThrowIfUnsupported(path);
        if (tokens == 0) return;

        int scaleBlocks = w.ScaleBlocksPerRow;
        var qSumsArray = ArrayPool<int>.Shared.Rent(tokens * scaleBlocks);     // tokens × scale blocks
        var inverseScalesArray = ArrayPool<float>.Shared.Rent(tokens);
        try
        {
            fixed (sbyte* qFixed = q)
            fixed (float* yFixed = y)
            fixed (int* qSumsFixed = qSumsArray)
            fixed (float* inverseFixed = inverseScalesArray)
            {
                sbyte* qPtr = qFixed;
                float* yPtr = yFixed;
                int* qSums = qSumsFixed;
                float* inverseScales = inverseFixed;
                for (int n = 0; n < tokens; n++)
                {
                    inverseScales[n] = 1f / activationScales[n];
                    for (int sb = 0; sb < scaleBlocks; sb++)
                        qSums[n * scaleBlocks + sb] = TernaryDot.Sum(qPtr + (long)n * w.Cols, sb * w.ScaleBlockCols, (sb + 1) * w.ScaleBlockCols);
                }
                pool.For(w.RowGroups, (first, end) =>
                {
                    // Each range unpacks its current group into its own scratch (about 4 bytes per column: L1-sized).
                    bool unpack = tokens >= TokenTile && TernaryDot.UsesUnpackedGroups(path);
                    byte* unpacked = unpack ? (byte*)NativeMemory.AlignedAlloc((nuint)TernaryDot.UnpackedGroupBytes(w.FullBlocks), 64) : null;
                    try
                    {
                        for (int g = first; g < end; g++)
                        {
                            if (g + PrefetchGroupsAhead < end) CachePrefetch.Bytes(w.Group(g + PrefetchGroupsAhead), w.Cols);
                            MultiplyGroup(w, g, unpacked, qPtr, tokens, qSums, inverseScales, yPtr, path);
                        }
                    }
                    finally
                    {
                        NativeMemory.AlignedFree(unpacked);
                    }
                });
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(qSumsArray);
            ArrayPool<float>.Shared.Return(inverseScalesArray);
        }
    }

    /// <summary>All tokens' outputs for one group of 4 rows: 4 tokens at a time, then one at a time for the rest.</summary>
    /// <param name="unpacked">Scratch for the unpacked group where the path uses one (see <see cref="TernaryDot.UsesUnpackedGroups"/>), else null.</param>
    static void MultiplyGroup(TernaryMatrix w, int group, byte* unpacked, sbyte* q, int tokens, int* qSums, float* inverseScales, float* y, SimdPath path)
    {
        const int rowsPerGroup = TernaryMatrix.GroupRows;
        int* sums = stackalloc int[TokenTile * rowsPerGroup];                 // [token · 4 + row]
        var acc = stackalloc Vector128<float>[TokenTile];                      // per token: the group's 4 rows
        int blocksPerScale = Math.Max(1, w.ScaleBlockCols / TernaryMatrix.BlockCols);
        int scaleBlocks = w.ScaleBlocksPerRow;
        int firstRow = group * rowsPerGroup;
        int rows = Math.Min(rowsPerGroup, w.Rows - firstRow);
        byte* packed = w.Group(group);
        if (unpacked != null) TernaryDot.UnpackGroup(path, packed, w.FullBlocks, unpacked);
        var firstBlockScales = RowScales(w, firstRow, 0); // all of them when the matrix has one scale block


        for (int n0 = 0; n0 < tokens; n0 += TokenTile)
        {
            int tileTokens = Math.Min(TokenTile, tokens - n0);
            sbyte* qTile = q + (long)n0 * w.Cols;
            for (int t = 0; t < TokenTile; t++) acc[t] = Vector128<float>.Zero;

            for (int sb = 0; sb < scaleBlocks; sb++)
            {
                bool last = sb == scaleBlocks - 1;
                int blockStart = sb * blocksPerScale;
                int blockEnd = last ? w.FullBlocks : (sb + 1) * blocksPerScale;
                bool half = last && w.HasHalfBlock;
                if (tileTokens == TokenTile)
                    TernaryDot.DotGroup4Tokens(path, packed, unpacked, w.FullBlocks, qTile, w.Cols, blockStart, blockEnd, half, sums);
                else
                    for (int t = 0; t < tileTokens; t++)
                        TernaryDot.DotGroup(path, packed, w.FullBlocks, qTile + (long)t * w.Cols, blockStart, blockEnd, half, sums + rowsPerGroup * t);

                // acc[t] += (Σ code·q − Σ q) · scale, for the 4 rows at once
                var rowScales = sb == 0 ? firstBlockScales : RowScales(w, firstRow, sb);
                for (int t = 0; t < tileTokens; t++)
                {
                    var dots = Vector128.Load(sums + rowsPerGroup * t) - Vector128.Create(qSums[(n0 + t) * scaleBlocks + sb]);
                    acc[t] += Vector128.ConvertToSingle(dots) * rowScales;
                }
            }

            for (int t = 0; t < tileTokens; t++)
            {
                var outputs = acc[t] * inverseScales[n0 + t];
                float* yRow = y + (long)(n0 + t) * w.Rows + firstRow;
                if (rows == rowsPerGroup) outputs.Store(yRow);
                else for (int r = 0; r < rows; r++) yRow[r] = outputs[r];
            }
        }
    }

    /// <summary>The scales of scale block sb for the 4 rows of a group.</summary>
    static Vector128<float> RowScales(TernaryMatrix w, int firstRow, int sb) =>
        Vector128.Create(w.RowScales(firstRow)[sb], w.RowScales(firstRow + 1)[sb], w.RowScales(firstRow + 2)[sb], w.RowScales(firstRow + 3)[sb]);
}
