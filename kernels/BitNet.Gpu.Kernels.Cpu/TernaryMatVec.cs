namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Ternary matrix × int8 activation vector:
/// y[r] = Σ_b scale[r, b] · (Σ_{c in b} t[r, c]·q[c]) / activationScale, the inner sum exact in integers.
/// </summary>
public static unsafe class TernaryMatVec
{
    /// <param name="q">cols int8 activations (from <see cref="ActivationQuantizer"/>).</param>
    /// <param name="activationScale">The quantizer's scale (q ≈ x · scale).</param>
    /// <param name="y">rows outputs, overwritten.</param>
    public static void Multiply(TernaryMatrix w, ReadOnlySpan<sbyte> q, float activationScale, Span<float> y, KernelThreadPool pool) =>
        Multiply(w, q, activationScale, y, pool, SimdSupport.Best);

    internal static void Multiply(TernaryMatrix w, ReadOnlySpan<sbyte> q, float activationScale, Span<float> y, KernelThreadPool pool, SimdPath path)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(pool);
        if (q.Length != w.Cols) throw new ArgumentException($"Expected {w.Cols} activations, got {q.Length}.", nameof(q));
        if (y.Length != w.Rows) throw new ArgumentException($"Expected {w.Rows} outputs, got {y.Length}.", nameof(y));
        SimdSupport.ThrowIfUnsupported(path);

        int* qSums = stackalloc int[w.ScaleBlocksPerRow]; // Σ q per scale block, to turn Σ code·q into Σ t·q
        fixed (sbyte* qFixed = q)
        fixed (float* yFixed = y)
        {
            sbyte* qPtr = qFixed;
            float* yPtr = yFixed;
            for (int sb = 0; sb < w.ScaleBlocksPerRow; sb++)
                qSums[sb] = TernaryDot.Sum(qPtr, sb * w.ScaleBlockCols, (sb + 1) * w.ScaleBlockCols);
            float inverseScale = 1f / activationScale;
            pool.For(w.RowGroups, (first, end) =>
            {
                for (int g = first; g < end; g++) MultiplyGroup(w, g, qPtr, qSums, inverseScale, yPtr, path);
            });
        }
    }

    static void MultiplyGroup(TernaryMatrix w, int group, sbyte* q, int* qSums, float inverseScale, float* y, SimdPath path)
    {
        int* sums = stackalloc int[TernaryMatrix.GroupRows];
        float* acc = stackalloc float[TernaryMatrix.GroupRows];
        int blocksPerScale = Math.Max(1, w.ScaleBlockCols / TernaryMatrix.BlockCols);
        int firstRow = group * TernaryMatrix.GroupRows;
        byte* packed = w.Group(group);
        for (int r = 0; r < TernaryMatrix.GroupRows; r++) acc[r] = 0f;

        for (int sb = 0; sb < w.ScaleBlocksPerRow; sb++)
        {
            bool last = sb == w.ScaleBlocksPerRow - 1;
            int blockEnd = last ? w.FullBlocks : (sb + 1) * blocksPerScale;
            TernaryDot.DotGroup(path, packed, w.FullBlocks, q, sb * blocksPerScale, blockEnd, last && w.HasHalfBlock, sums);
            for (int r = 0; r < TernaryMatrix.GroupRows; r++)
                acc[r] += (sums[r] - qSums[sb]) * w.RowScales(firstRow + r)[sb];
        }

        int rows = Math.Min(TernaryMatrix.GroupRows, w.Rows - firstRow);
        for (int r = 0; r < rows; r++) y[firstRow + r] = acc[r] * inverseScale;
    }
}
