using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The top-k screen of an F16 output layer (as the CPU backend's ScreenedF16MatVec promises): every logit gets an int8
/// estimate e and a bound b with |e − y| ≤ b (<see cref="GpuKernels.InputSlack"/>); the host picks the candidates
/// (<see cref="TopRowScreen"/>), which are computed in F16 by the same sums as the full product; the rest are −∞. When
/// more than one row in eight survives, the full product runs.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Rows the last <see cref="DenseMatMulTop"/> or <see cref="DenseMatMulTopRows"/> computed from the F16
    /// weights, summed over its tokens (tests).</summary>
    internal int LastExactRows { get; private set; }

    /// <summary>Whether top-k products with <paramref name="w"/> are screened (<see cref="OutputLayerType.Screened"/>): F16
    /// weights, rows of whole blocks. Opt-in: the choice goes through the host, one synchronization per step.</summary>
    bool Screens(IlgpuDenseWeight w) =>
        _outputType == OutputLayerType.Screened && w.Half is not null && w.Cols % Q8Layout.BlockSize == 0;

    public long DenseMatMulTop(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int topK, ReadOnlySpan<int> alwaysExact) =>
        DenseMatMulTopRows(weight, x, y, 1, [topK], [alwaysExact.ToArray()]);

    public long DenseMatMulTopRows(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount, ReadOnlySpan<int> topK,
                                   IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        var w = (IlgpuDenseWeight)weight;
        if (topK.Length < tokenCount || alwaysExact.Count < tokenCount)
            throw new ArgumentException($"need a topK and an alwaysExact list for each of {tokenCount} tokens", nameof(topK));
        if (!Screens(w))
        {
            DenseMatMul(weight, x, y, tokenCount);
            LastExactRows = tokenCount * w.Rows;
            SelectTopRows((IlgpuBuffer)y, tokenCount, topK, alwaysExact);
            return BytesRead(weight);
        }
        var input = (IlgpuBuffer)x;
        var output = (IlgpuBuffer)y;
        RequireTokens(tokenCount, input, output);
        if (input.Cols != w.Cols || output.Cols != w.Rows)
            throw new ArgumentException($"{w.Name} is {w.Rows}×{w.Cols}; inputs have {input.Cols} and outputs {output.Cols} columns", nameof(weight));

        var (estimates, bounds) = Screen(w, input, tokenCount);
        long bytes = Int8Copy(w).ByteSize;
        int exactRows = 0;
        for (int t = 0; t < tokenCount; t++)
        {
            var candidates = TopRowScreen.Candidates(estimates.AsSpan(t * w.Rows, w.Rows), bounds.AsSpan(t * w.Rows, w.Rows), topK[t], alwaysExact[t].Span);
            bool full = TopRowScreen.NeedsFullProduct(candidates.Length, w.Rows);
            if (full) candidates = [.. Enumerable.Range(0, w.Rows)];
            else output.Values.View.SubView((long)t * w.Rows, w.Rows).CopyFromCPU(_stream, NegativeInfinities(w.Rows));
            ExactRows(w, input, output, t, candidates);
            exactRows += candidates.Length;
            bytes += (long)candidates.Length * w.Cols * sizeof(ushort);
        }
        LastExactRows = exactRows;
        return bytes;
    }

    /// <summary>Estimates and bounds of every row for each token, read back to the host.</summary>
    (float[] Estimates, float[] Bounds) Screen(IlgpuDenseWeight w, IlgpuBuffer input, int tokenCount)
    {
        var weights = Int8Copy(w);
        var quantized = QuantizeInput(input, tokenCount, w.Cols);
        int chunksPerRow = w.Cols / SixteenCodes.Count;
        long logits = (long)tokenCount * w.Rows;
        var slack = _screen.Slack.Get((long)tokenCount * chunksPerRow);
        var estimates = _screen.Estimates.Get(logits);
        var bounds = _screen.Bounds.Get(logits);
        _kernels.InputSlack(_stream, tokenCount * chunksPerRow, new FloatWeights(input.Values.View), quantized.Codes.View, quantized.Scales.View,
            slack, TopRowScreen.Gamma(w.Cols));
        int rowGroups = (w.Rows + KernelShapes.RowsPerGroup - 1) / KernelShapes.RowsPerGroup;
        _kernels.Q8Screen(_stream, new KernelConfig(new Index3D(rowGroups, tokenCount, 1), Group1D),
            weights.Codes.View.AsContiguous().Cast<SixteenCodes>(), weights.Scales.View,
            quantized.Codes.View.AsContiguous().Cast<SixteenCodes>(), quantized.Scales.View, slack, estimates, bounds, w.Rows, chunksPerRow);
        var hostEstimates = new float[logits];
        var hostBounds = new float[logits];
        WaitForDevice();
        estimates.CopyToCPU(_stream, hostEstimates);
        bounds.CopyToCPU(_stream, hostBounds);
        WaitForDevice();
        return (hostEstimates, hostBounds);
    }

    /// <summary>y[t, r] for the listed rows, summed exactly as the full F16 product sums them.</summary>
    void ExactRows(IlgpuDenseWeight w, IlgpuBuffer input, IlgpuBuffer output, int token, int[] rows)
    {
        if (rows.Length == 0) return;
        var list = _screen.Rows.Get(rows.Length);
        list.CopyFromCPU(_stream, rows);
        int groups = (rows.Length + KernelShapes.RowsPerGroup - 1) / KernelShapes.RowsPerGroup;
        _kernels.HalfMatVecRows(_stream, new KernelConfig(new Index3D(groups, 1, 1), Group1D),
            w.Half!.View.AsContiguous().Cast<EightHalves>(), input.Values.View.AsContiguous().Cast<FourFloats>(), list, output.Values.View,
            rows.Length, w.Rows, w.Cols / EightHalves.Count, token);
        WaitForDevice();   // the host list is reused
    }

    static float[] NegativeInfinities(int count)
    {
        var values = new float[count];
        Array.Fill(values, float.NegativeInfinity);
        return values;
    }
}
