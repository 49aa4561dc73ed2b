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

    /// <summary>
    /// Several matrices with the same input (q, k and v; gate and up) in one parallel pass: y_i = W_i · q. One pass
    /// instead of one per matrix means one wait for the slowest thread instead of several, and the small k/v matrices
    /// are shared out with the large one.
    /// </summary>
    /// <param name="ys">One output per matrix, Rows long.</param>
    public static void MultiplyMany(TernaryMatrix[] ws, ReadOnlySpan<sbyte> q, float activationScale, float[][] ys, KernelThreadPool pool)
    {
        ArgumentNullException.ThrowIfNull(ws);
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentNullException.ThrowIfNull(pool);
        if (ws.Length != ys.Length) throw new ArgumentException($"Expected one output per matrix ({ws.Length}), got {ys.Length}.", nameof(ys));
        var firstGroups = new int[ws.Length + 1]; // matrix i owns global groups firstGroups[i] .. firstGroups[i + 1] - 1
        int maxScaleBlocks = 1;
        for (int i = 0; i < ws.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(ws[i]);
            if (ws[i].Cols != q.Length) throw new ArgumentException($"Matrix {i} expects {ws[i].Cols} activations, got {q.Length}.", nameof(q));
            if (ys[i] is null || ys[i].Length < ws[i].Rows) throw new ArgumentException($"Output {i} needs {ws[i].Rows} values.", nameof(ys));
            firstGroups[i + 1] = firstGroups[i] + ws[i].RowGroups;
            maxScaleBlocks = Math.Max(maxScaleBlocks, ws[i].ScaleBlocksPerRow);
        }
        var path = SimdSupport.Best;
        int* qSums = stackalloc int[ws.Length * maxScaleBlocks]; // [matrix · maxScaleBlocks + scale block]
        fixed (sbyte* qFixed = q)
        {
            sbyte* qPtr = qFixed;
            for (int i = 0; i < ws.Length; i++)
                for (int sb = 0; sb < ws[i].ScaleBlocksPerRow; sb++)
                    qSums[i * maxScaleBlocks + sb] = TernaryDot.Sum(qPtr, sb * ws[i].ScaleBlockCols, (sb + 1) * ws[i].ScaleBlockCols);
            float inverseScale = 1f / activationScale;
            pool.For(firstGroups[^1], (first, end) =>
            {
                for (int global = first; global < end; global++)
                {
                    int i = 0;
                    while (global >= firstGroups[i + 1]) i++;
                    fixed (float* y = ys[i])
                        MultiplyGroup(ws[i], global - firstGroups[i], qPtr, qSums + i * maxScaleBlocks, inverseScale, y, path);
                }
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
