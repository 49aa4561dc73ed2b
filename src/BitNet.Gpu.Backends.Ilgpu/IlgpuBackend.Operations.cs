using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using BitNet.Gpu.Model.Architectures;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>The graph's operations: each checks its arguments and queues kernels on the stream.</summary>
public sealed partial class IlgpuBackend
{
    static readonly Index3D Group1D = new(KernelShapes.GroupSize, 1, 1);
    /// <summary>The norm kernels' groups: one per token row, as wide as the device allows (<see cref="IlgpuKernelSet.NormGroupSize"/>).</summary>
    Index3D NormGroup => new(_kernels.NormGroupSize, 1, 1);

    public void Embed(DeviceWeight table, DeviceBuffer output, int tokenCount)
    {
        var w = (IlgpuDenseWeight)table;
        var y = (IlgpuBuffer)output;
        RequireTokens(tokenCount, y);
        RequireStep(tokenCount, nameof(Embed));
        var index = new Index2D(w.Cols, tokenCount);
        if (w.Half is not null) _kernels.EmbedHalf(_stream, index, new HalfWeights(w.Half.View), _step.Tokens, y.Values.View, w.Cols);
        else _kernels.EmbedFloat(_stream, index, new FloatWeights(w.Float!.View), _step.Tokens, y.Values.View, w.Cols);
    }

    public void RmsNorm(DeviceBuffer x, DeviceWeight weight, DeviceBuffer y, int tokenCount, float epsilon)
    {
        var input = (IlgpuBuffer)x;
        RequireTokens(tokenCount, input, (IlgpuBuffer)y);
        _kernels.RmsNorm(_stream, new KernelConfig(new Index3D(tokenCount, 1, 1), NormGroup),
            input.Values.View, ((IlgpuDenseWeight)weight).Float!.View, ((IlgpuBuffer)y).Values.View, input.Cols, epsilon);
    }

    public void QuantizeActivations(DeviceBuffer x, DeviceBuffer quantized, int tokenCount)
    {
        var input = (IlgpuBuffer)x;
        var q = (IlgpuQuantizedBuffer)quantized;
        RequireTokens(tokenCount, input, q);
        _kernels.QuantizeActivations(_stream, new KernelConfig(new Index3D(tokenCount, 1, 1), NormGroup),
            input.Values.View, q.Packed.View, q.Sums.View, q.Scales.View, input.Cols, q.IntsPerRow);
    }

    public void TernaryMatMul(DeviceWeight weight, DeviceBuffer quantized, DeviceBuffer y, int tokenCount)
    {
        var w = (IlgpuTernaryWeight)weight;
        var q = (IlgpuQuantizedBuffer)quantized;
        var output = (IlgpuBuffer)y;
        RequireTokens(tokenCount, q, output);
        if (q.Cols != w.Cols || output.Cols != w.Rows)
            throw new ArgumentException($"{w.Name} is {w.Rows}×{w.Cols}; inputs have {q.Cols} and outputs {output.Cols} columns", nameof(weight));
        int rowGroups = (w.Rows + KernelShapes.RowsPerGroup - 1) / KernelShapes.RowsPerGroup;
        if (tokenCount == 1)
            _kernels.TernaryMatVec(_stream, new KernelConfig(new Index3D(rowGroups, 1, 1), Group1D),
                w.Vectors, w.BlockScales.View, q.WordActivations, q.Sums.View, q.Scales.View, output.Values.View, w.Rows, w.VectorsPerRow, w.BlockShift);
        else
            _kernels.TernaryMatMat(_stream, new KernelConfig(new Index3D(rowGroups, (tokenCount + KernelShapes.TokensPerTile - 1) / KernelShapes.TokensPerTile, 1), Group1D),
                w.Vectors, w.BlockScales.View, q.WordActivations, q.Sums.View, q.Scales.View, output.Values.View, w.Rows, tokenCount, w.VectorsPerRow, w.BlockShift);
    }

    public void DenseMatMul(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        var w = (IlgpuDenseWeight)weight;
        var input = (IlgpuBuffer)x;
        var output = (IlgpuBuffer)y;
        RequireTokens(tokenCount, input, output);
        if (input.Cols != w.Cols || output.Cols != w.Rows)
            throw new ArgumentException($"{w.Name} is {w.Rows}×{w.Cols}; inputs have {input.Cols} and outputs {output.Cols} columns", nameof(weight));
        int rowGroups = (w.Rows + KernelShapes.RowsPerGroup - 1) / KernelShapes.RowsPerGroup;
        var config = new KernelConfig(new Index3D(rowGroups, tokenCount, 1), Group1D);
        if (KeepsInt8(w))
            Int8MatMul(w, input, output, tokenCount, config);
        else if (w.Half is not null && w.Cols % EightHalves.Count == 0)   // 16-byte loads of weights and inputs
            _kernels.HalfMatVec(_stream, config, w.Half.View.AsContiguous().Cast<EightHalves>(), input.Values.View.AsContiguous().Cast<FourFloats>(), output.Values.View,
                w.Rows, w.Cols / EightHalves.Count);
        else if (w.Half is not null)
            _kernels.DenseMatVecHalf(_stream, config, new HalfWeights(w.Half.View), input.Values.View, output.Values.View, w.Rows, w.Cols);
        else
            _kernels.DenseMatVecFloat(_stream, config, new FloatWeights(w.Float!.View), input.Values.View, output.Values.View, w.Rows, w.Cols);
    }

    public void Rope(DeviceBuffer x, int tokenCount, int heads, int headDim, int ropeDims, float freqBase, RopeStyle style)
    {
        var b = (IlgpuBuffer)x;
        RequireTokens(tokenCount, b);
        if (heads * headDim != b.Cols || ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0)
            throw new ArgumentException($"rope of {heads} heads × {headDim} ({ropeDims} rotated) does not fit rows of {b.Cols}", nameof(ropeDims));
        RequireStep(tokenCount, nameof(Rope));
        var table = RopeTable(ropeDims, freqBase);
        _kernels.Rope(_stream, new Index2D(heads * ropeDims / 2, tokenCount), b.Values.View, table, _step.Positions,
            heads, headDim, ropeDims, style == RopeStyle.Neox ? 1 : 0);
    }

    public void Attention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output,
                          int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        var c = (IlgpuKvCache)cache;
        CheckAttention(q, k, v, c, layer, output, tokenCount, heads, keyValueHeads, headDim);
        int kvWidth = keyValueHeads * headDim;
        var storeIndex = new Index2D(kvWidth, tokenCount);
        var newKeys = ((IlgpuBuffer)k).Values.View;
        var newValues = ((IlgpuBuffer)v).Values.View;
        if (c.HalfKeys is not null)
            _kernels.StoreKeyValueHalf(_stream, storeIndex, newKeys, newValues, c.HalfKeys.View, c.HalfValues!.View, _step.Places, c.LayerStart(layer), c.ContextLength, kvWidth);
        else
            _kernels.StoreKeyValue(_stream, storeIndex, newKeys, newValues, c.Keys!.View, c.Values!.View, _step.Places, c.LayerStart(layer), c.ContextLength, kvWidth);
        AttendCached((IlgpuBuffer)q, c, layer, (IlgpuBuffer)output, tokenCount, heads, keyValueHeads, headDim);
    }

    void CheckAttention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, IlgpuKvCache c, int layer, DeviceBuffer output,
                        int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        RequireTokens(tokenCount, (IlgpuBuffer)q, (IlgpuBuffer)k, (IlgpuBuffer)v, (IlgpuBuffer)output);
        if (headDim > KernelShapes.MaxHeadDim) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"at most {KernelShapes.MaxHeadDim}");
        if (keyValueHeads <= 0 || heads % keyValueHeads != 0 || keyValueHeads != c.KeyValueHeads || headDim != c.HeadDim)
            throw new ArgumentException($"{heads} query heads over {keyValueHeads} key/value heads do not match the cache", nameof(keyValueHeads));
        if ((uint)layer >= (uint)c.Layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the cache has {c.Layers} layers");
        RequireStep(tokenCount, nameof(Attention));
        int length = _step.LongestLength;   // the longest attention of the step
        if (length > c.ContextLength) throw new ArgumentOutOfRangeException(nameof(tokenCount), length, $"beyond the cache's {c.ContextLength} positions");
        if (_step.LastSequence >= c.Sequences) throw new ArgumentOutOfRangeException("cache", _step.LastSequence, $"the cache holds {c.Sequences} sequences");
        _capture?.Covers(c.ContextLength, c.Sequences);
    }

    /// <summary>Attention of the step's queries over the cache, the step's own keys and values already stored: partial
    /// sums per split of the positions, then their combination.</summary>
    void AttendCached(IlgpuBuffer queries, IlgpuKvCache c, int layer, IlgpuBuffer output, int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        var (splits, scratch) = AttentionPartials(queries, c, layer, tokenCount, heads, keyValueHeads, headDim);
        _kernels.AttentionCombine(_stream, new Index2D(headDim, tokenCount * heads),
            scratch.Output, scratch.Max, scratch.Sum, output.Values.View, headDim, splits);
    }

    /// <summary>The per-split softmax partials of every (token, head) over the cache, left in the attention scratch.</summary>
    (int Splits, (ArrayView<float> Output, ArrayView<float> Max, ArrayView<float> Sum) Scratch) AttentionPartials(
        IlgpuBuffer queries, IlgpuKvCache c, int layer, int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        int splits = AttentionSplits(tokenCount * heads, c.ContextLength);
        int positionsPerSplit = (c.ContextLength + splits - 1) / splits;   // splits past a token's position are empty
        var scratch = _attention.Get(tokenCount * heads * splits, headDim);
        var config = new KernelConfig(new Index3D(splits, heads, tokenCount), Group1D);
        if (c.HalfKeys is not null)
            _kernels.AttentionPartialHalf(_stream, config, queries.Values.View, new HalfWeights(c.HalfKeys.View), new HalfWeights(c.HalfValues!.View),
                scratch.Output, scratch.Max, scratch.Sum, _step.Places, c.LayerStart(layer), c.ContextLength, heads, keyValueHeads, headDim, positionsPerSplit);
        else
            _kernels.AttentionPartial(_stream, config, queries.Values.View, new FloatWeights(c.Keys!.View), new FloatWeights(c.Values!.View),
                scratch.Output, scratch.Max, scratch.Sum, _step.Places, c.LayerStart(layer), c.ContextLength, heads, keyValueHeads, headDim, positionsPerSplit);
        return (splits, scratch);
    }

    /// <summary>
    /// Enough (token, head, split) groups to fill the device, but no split shorter than one tile of positions. The splits
    /// partition the cache's whole context, not the positions the step reaches, so a one-token decode step launches the
    /// same grid with the same arguments at every position and a captured step replays unchanged; the groups of splits
    /// past a token's position exit at once with empty partials, which the merge weighs as zero.
    /// </summary>
    int AttentionSplits(int tokenHeads, int contextLength)
    {
        int maxSplits = (contextLength + KernelShapes.AttentionTile - 1) / KernelShapes.AttentionTile;
        if (AttentionSplitsOverride > 0) return Math.Min(AttentionSplitsOverride, contextLength);
        int wanted = (4 * _accelerator.NumMultiprocessors + tokenHeads - 1) / tokenHeads;
        return Math.Clamp(wanted, 1, maxSplits);
    }

    public void GateActivation(DeviceBuffer gate, DeviceBuffer up, int tokenCount, GateActivation activation)
    {
        var g = (IlgpuBuffer)gate;
        RequireTokens(tokenCount, g, (IlgpuBuffer)up);
        _kernels.GateActivation(_stream, tokenCount * g.Cols, g.Values.View, ((IlgpuBuffer)up).Values.View,
            activation == Model.Architectures.GateActivation.ReluSquared ? GpuKernels.ReluSquared : GpuKernels.Silu);
    }

    public void Add(DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        var a = (IlgpuBuffer)x;
        RequireTokens(tokenCount, a, (IlgpuBuffer)y);
        _kernels.ResidualAdd(_stream, tokenCount * a.Cols, a.Values.View, ((IlgpuBuffer)y).Values.View);
    }

    public void CopyRow(DeviceBuffer source, int sourceRow, DeviceBuffer destination, int destinationRow)
    {
        var from = (IlgpuBuffer)source;
        var to = (IlgpuBuffer)destination;
        if ((uint)sourceRow >= (uint)from.Rows) throw new ArgumentOutOfRangeException(nameof(sourceRow), sourceRow, $"source has {from.Rows} rows");
        if ((uint)destinationRow >= (uint)to.Rows) throw new ArgumentOutOfRangeException(nameof(destinationRow), destinationRow, $"destination has {to.Rows} rows");
        if (to.Cols != from.Cols) throw new ArgumentException($"destination has {to.Cols} columns, source {from.Cols}", nameof(destination));
        var (sourceView, destinationView) = (from.Row(sourceRow), to.Row(destinationRow));
        void Copy() => sourceView.CopyTo(_stream, destinationView);
        if (_capture is { Recording: true }) _capture.Add(new("copy_row", Copy));   // a graph captures the copy as well
        Copy();
    }

    /// <summary>The cos/sin table covering the step's positions; a recorded step covers only the positions it holds.</summary>
    ArrayView<float> RopeTable(int ropeDims, float freqBase)
    {
        var table = _rope.Get(ropeDims, freqBase, _step.LongestLength, _contextLength);
        _capture?.Covers(_rope.Positions, int.MaxValue);
        return table;
    }

    void RequireStep(int tokenCount, string operation)
    {
        if (tokenCount > _step.Count)
            throw new InvalidOperationException($"{operation} of {tokenCount} tokens: BeginStep gave {_step.Count}");
    }

    static void RequireTokens(int tokenCount, params DeviceBuffer[] buffers)
    {
        foreach (var b in buffers)
            if (tokenCount <= 0 || tokenCount > b.Rows)
                throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, $"a buffer holds {b.Rows} rows");
    }
}
