using System.Buffers;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Ternary matrix × int8 activation vector:
/// y[r] = Σ_b scale[r, b] · (Σ_{c in b} t[r, c]·q[c]) / activationScale, the inner sum exact in integers.
/// </summary>
public static unsafe class TernaryMatVec
{
    /// <summary>
    /// A token streams every weight once, in 120 products: two long ranges a thread keep the hardware prefetcher's streams
    /// going. Against the pool's default of 8, a token's ternary products took ~2% less time with memory the limit and
    /// ~12% less with the kernel the limit (2-core Zen 4, alternating in one process; benchmarks/README).
    /// </summary>
    const int ChunksPerThread = 2;

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
        fixed (sbyte* qPtr = q)
        fixed (float* yPtr = y)
            MultiplyPinned([w], qPtr, activationScale, [(nint)yPtr], pool, path);
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
        for (int i = 0; i < ws.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(ws[i]);
            if (ws[i].Cols != q.Length) throw new ArgumentException($"Matrix {i} expects {ws[i].Cols} activations, got {q.Length}.", nameof(q));
            if (ys[i] is null || ys[i].Length < ws[i].Rows) throw new ArgumentException($"Output {i} needs {ws[i].Rows} values.", nameof(ys));
        }
        var pins = new MemoryHandle[ys.Length];
        try
        {
            var outputs = new nint[ys.Length];
            for (int i = 0; i < ys.Length; i++)
            {
                pins[i] = ys[i].AsMemory().Pin();
                outputs[i] = (nint)pins[i].Pointer;
            }
            fixed (sbyte* qPtr = q)
                MultiplyPinned(ws, qPtr, activationScale, outputs, pool, SimdSupport.Best);
        }
        finally
        {
            foreach (var pin in pins) pin.Dispose();
        }
    }

    /// <summary>
    /// The shared body: the row groups of all matrices are numbered one after another and shared out over the pool.
    /// <paramref name="outputs"/> are pinned float pointers, one per matrix.
    /// </summary>
    static void MultiplyPinned(TernaryMatrix[] ws, sbyte* q, float activationScale, nint[] outputs, KernelThreadPool pool, SimdPath path)
    {
        var firstGroups = new int[ws.Length + 1]; // matrix i owns global groups firstGroups[i] .. firstGroups[i + 1] - 1
        var qSumOffsets = new int[ws.Length + 1];  // matrix i's Σ q per scale block at qSums[qSumOffsets[i] ..]
        for (int i = 0; i < ws.Length; i++)
        {
            firstGroups[i + 1] = firstGroups[i] + ws[i].RowGroups;
            qSumOffsets[i + 1] = qSumOffsets[i] + ws[i].ScaleBlocksPerRow;
        }
        int* qSums = stackalloc int[qSumOffsets[^1]]; // Σ q per scale block, to turn Σ code·q into Σ t·q
        for (int i = 0; i < ws.Length; i++)
            for (int sb = 0; sb < ws[i].ScaleBlocksPerRow; sb++)
                qSums[qSumOffsets[i] + sb] = TernaryDot.Sum(q, sb * ws[i].ScaleBlockCols, (sb + 1) * ws[i].ScaleBlockCols);

        float inverseScale = 1f / activationScale;
        pool.For(firstGroups[^1], (first, end) =>
        {
            int i = 0;
            for (int global = first; global < end; global++)
            {
                while (global >= firstGroups[i + 1]) i++;
                MultiplyGroup(ws[i], global - firstGroups[i], q, qSums + qSumOffsets[i], inverseScale, (float*)outputs[i], path);
            }
        }, ChunksPerThread);
    }

    static void MultiplyGroup(TernaryMatrix w, int group, sbyte* q, int* qSums, float inverseScale, float* y, SimdPath path)
    {
        const int groupRows = TernaryMatrix.GroupRows;
        int* sums = stackalloc int[groupRows];
        int firstRow = group * groupRows;
        byte* packed = w.Group(group);
        if (w.ScaleBlocksPerRow == 1 && firstRow + groupRows <= w.Rows)
        {
            // The common case (one scale per row, a whole group): the 4 outputs in one vector expression.
            TernaryDot.DotGroup(path, packed, w.FullBlocks, q, 0, w.FullBlocks, w.HasHalfBlock, sums);
            var dots = Vector128.ConvertToSingle(Vector128.Load(sums) - Vector128.Create(qSums[0]));
            (dots * Vector128.Load(w.RowScales(firstRow)) * inverseScale).Store(y + firstRow);
            return;
        }

        float* acc = stackalloc float[groupRows];
        int blocksPerScale = Math.Max(1, w.ScaleBlockCols / TernaryMatrix.BlockCols);
        for (int r = 0; r < groupRows; r++) acc[r] = 0f;
        for (int sb = 0; sb < w.ScaleBlocksPerRow; sb++)
        {
            bool last = sb == w.ScaleBlocksPerRow - 1;
            int blockEnd = last ? w.FullBlocks : (sb + 1) * blocksPerScale;
            TernaryDot.DotGroup(path, packed, w.FullBlocks, q, sb * blocksPerScale, blockEnd, last && w.HasHalfBlock, sums);
            for (int r = 0; r < groupRows; r++)
                acc[r] += (sums[r] - qSums[sb]) * w.RowScales(firstRow + r)[sb];
        }
        int rows = Math.Min(groupRows, w.Rows - firstRow);
        for (int r = 0; r < rows; r++) y[firstRow + r] = acc[r] * inverseScale;
    }
}
