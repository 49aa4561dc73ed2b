using System.Buffers;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Ternary matrix × a batch of int8 activation rows (prompt processing), each token with its own activation scale:
/// y[n, r] = Σ_b scale[r, b] · (Σ_{c in b} t[r, c]·q[n, c]) / activationScales[n].
/// Each group of 4 weight rows is unpacked once per 4 tokens, and stays in L1 while all tokens pass over it.
/// </summary>
public static unsafe class TernaryMatMul
{
    const int TokenTile = 4;

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
                    for (int g = first; g < end; g++) MultiplyGroup(w, g, qPtr, tokens, qSums, inverseScales, yPtr, path);
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
    static void MultiplyGroup(TernaryMatrix w, int group, sbyte* q, int tokens, int* qSums, float* inverseScales, float* y, SimdPath path)
    {
        const int rowsPerGroup = TernaryMatrix.GroupRows;
        int* sums = stackalloc int[TokenTile * rowsPerGroup];      // [token · 4 + row]
        float* acc = stackalloc float[TokenTile * rowsPerGroup];
        int blocksPerScale = Math.Max(1, w.ScaleBlockCols / TernaryMatrix.BlockCols);
        int scaleBlocks = w.ScaleBlocksPerRow;
        int firstRow = group * rowsPerGroup;
        int rows = Math.Min(rowsPerGroup, w.Rows - firstRow);
        byte* packed = w.Group(group);

        for (int n0 = 0; n0 < tokens; n0 += TokenTile)
        {
            int tileTokens = Math.Min(TokenTile, tokens - n0);
            sbyte* qTile = q + (long)n0 * w.Cols;
            for (int i = 0; i < TokenTile * rowsPerGroup; i++) acc[i] = 0f;

            for (int sb = 0; sb < scaleBlocks; sb++)
            {
                bool last = sb == scaleBlocks - 1;
                int blockStart = sb * blocksPerScale;
                int blockEnd = last ? w.FullBlocks : (sb + 1) * blocksPerScale;
                bool half = last && w.HasHalfBlock;
                if (tileTokens == TokenTile)
                    TernaryDot.DotGroup4Tokens(path, packed, w.FullBlocks, qTile, w.Cols, blockStart, blockEnd, half, sums);
                else
                    for (int t = 0; t < tileTokens; t++)
                        TernaryDot.DotGroup(path, packed, w.FullBlocks, qTile + (long)t * w.Cols, blockStart, blockEnd, half, sums + rowsPerGroup * t);

                for (int t = 0; t < tileTokens; t++)
                {
                    int qSum = qSums[(n0 + t) * scaleBlocks + sb];
                    for (int r = 0; r < rowsPerGroup; r++)
                        acc[rowsPerGroup * t + r] += (sums[rowsPerGroup * t + r] - qSum) * w.RowScales(firstRow + r)[sb];
                }
            }

            for (int t = 0; t < tileTokens; t++)
                for (int r = 0; r < rows; r++)
                    y[(long)(n0 + t) * w.Rows + firstRow + r] = acc[rowsPerGroup * t + r] * inverseScales[n0 + t];
        }
    }
}
