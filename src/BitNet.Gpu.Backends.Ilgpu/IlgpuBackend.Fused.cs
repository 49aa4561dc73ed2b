using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using BitNet.Gpu.Model.Architectures;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The fused operations, and the products that share one input, as one kernel each where they were two or three: a
/// launch costs microseconds of its own on a GPU, which at one token per step is a large share of a layer. Each kernel
/// keeps the arithmetic of the kernels it replaces, so the results are bit for bit those of the unfused operations.
/// Rows are reduced by groups of NormGroupSize threads, as the plain norm and quantization kernels are.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Kernel launches queued since the backend started.</summary>
    public long KernelLaunches => _kernels.Launches.Count;

    /// <summary>When set, each launch's kernel and arguments are appended to it (tests of what a captured step bakes in).</summary>
    internal List<(string Kernel, object?[] Arguments)>? LaunchLog
    {
        get => _kernels.Launches.Log;
        set => _kernels.Launches.Log = value;
    }

    public bool HasFusedKernels => true;

    public void AddNormQuantize(DeviceBuffer x, DeviceBuffer? residual, DeviceWeight? weight, DeviceBuffer normed, DeviceBuffer quantized,
                                int tokenCount, float epsilon)
    {
        var input = (IlgpuBuffer)x;
        if (weight is null)   // nothing to normalize: the add (if any) and the quantization as they are
        {
            if (residual is not null) Add(x, residual, tokenCount);
            QuantizeActivations(x, quantized, tokenCount);
            return;
        }
        var h = (IlgpuBuffer)normed;
        var q = (IlgpuQuantizedBuffer)quantized;
        var added = (IlgpuBuffer?)residual ?? input;   // not read without a residual
        RequireTokens(tokenCount, input, added, h, q);
        RequireSameWidth(input.Cols, added, h, q);
        _kernels.AddNormQuantize(_stream, new KernelConfig(new Index3D(tokenCount, 1, 1), NormGroup),
            input.Values.View, added.Values.View, ((IlgpuDenseWeight)weight).Float!.View, h.Values.View, q.Packed.View, q.Sums.View, q.Scales.View,
            input.Cols, q.IntsPerRow, residual is null ? 0 : 1, epsilon);
    }

    public void GateNormQuantize(DeviceBuffer gate, DeviceBuffer up, GateActivation activation, DeviceWeight? weight, DeviceBuffer quantized,
                                 int tokenCount, float epsilon)
    {
        var g = (IlgpuBuffer)gate;
        var u = (IlgpuBuffer)up;
        var q = (IlgpuQuantizedBuffer)quantized;
        RequireTokens(tokenCount, g, u, q);
        RequireSameWidth(g.Cols, u, q);
        var weights = weight is null ? g.Values.View : ((IlgpuDenseWeight)weight).Float!.View;   // not read without a weight
        _kernels.GateNormQuantize(_stream, new KernelConfig(new Index3D(tokenCount, 1, 1), NormGroup),
            g.Values.View, u.Values.View, weights, q.Packed.View, q.Sums.View, q.Scales.View, g.Cols, q.IntsPerRow,
            activation == Model.Architectures.GateActivation.ReluSquared ? GpuKernels.ReluSquared : GpuKernels.Silu, weight is null ? 0 : 1, epsilon);
    }

    public void SelfAttention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, AttentionShape shape, DeviceBuffer output,
                              DeviceWeight? subNorm, DeviceBuffer quantized, int tokenCount, float epsilon)
    {
        var c = (IlgpuKvCache)cache;
        var (heads, keyValueHeads, headDim, ropeDims, _, style) = shape;
        CheckAttention(q, k, v, c, layer, output, tokenCount, heads, keyValueHeads, headDim);
        if (heads * headDim != q.Cols || heads * headDim != output.Cols || keyValueHeads * headDim != k.Cols || k.Cols != v.Cols
            || headDim % 2 != 0 || ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0)
            throw new ArgumentException($"rope of {heads}/{keyValueHeads} heads × {headDim} ({ropeDims} rotated) does not fit rows of {q.Cols} and {k.Cols}", nameof(shape));
        var queries = (IlgpuBuffer)q;
        var attended = (IlgpuBuffer)output;
        var quantizedOutput = (IlgpuQuantizedBuffer)quantized;
        RequireTokens(tokenCount, quantizedOutput);
        RequireSameWidth(attended.Cols, quantizedOutput);

        RopeStore(queries, (IlgpuBuffer)k, (IlgpuBuffer)v, c, layer, shape, tokenCount);
        var (splits, scratch) = AttentionPartials(queries, c, layer, tokenCount, heads, keyValueHeads, headDim);
        var weights = subNorm is null ? attended.Values.View : ((IlgpuDenseWeight)subNorm).Float!.View;   // not read without a sub-norm
        _kernels.AttentionCombineNormQuantize(_stream, new KernelConfig(new Index3D(tokenCount, 1, 1), NormGroup),
            scratch.Output, scratch.Max, scratch.Sum, attended.Values.View, weights, quantizedOutput.Packed.View, quantizedOutput.Sums.View,
            quantizedOutput.Scales.View, heads, headDim, splits, quantizedOutput.IntsPerRow, subNorm is null ? 0 : 1, epsilon);
    }

    /// <summary>RoPE of the step's queries and keys and the store of its keys and values, as one kernel.</summary>
    void RopeStore(IlgpuBuffer queries, IlgpuBuffer keys, IlgpuBuffer values, IlgpuKvCache c, int layer, AttentionShape shape, int tokenCount)
    {
        var table = RopeTable(shape.RopeDims, shape.RopeFreqBase);
        var pairs = new Index2D((shape.Heads + shape.KeyValueHeads) * shape.HeadDim / 2, tokenCount);
        int neox = shape.RopeStyle == RopeStyle.Neox ? 1 : 0;
        if (c.HalfKeys is not null)
            _kernels.RopeStoreHalf(_stream, pairs, queries.Values.View, keys.Values.View, values.Values.View, new HalfKeyValueRows(c.HalfKeys.View, c.HalfValues!.View),
                table, _step.Places, c.LayerStart(layer), c.ContextLength, shape.Heads, shape.KeyValueHeads, shape.HeadDim, shape.RopeDims, neox);
        else
            _kernels.RopeStore(_stream, pairs, queries.Values.View, keys.Values.View, values.Values.View, new FloatKeyValueRows(c.Keys!.View, c.Values!.View),
                table, _step.Places, c.LayerStart(layer), c.ContextLength, shape.Heads, shape.KeyValueHeads, shape.HeadDim, shape.RopeDims, neox);
    }

    /// <summary>Two or three matrices of the same width and scale blocks (q/k/v, gate/up) as one launch (TernaryMatVecs at
    /// one token, TernaryMatMats for more); otherwise one product after another.</summary>
    public void TernaryMatMuls(DeviceBuffer quantized, int tokenCount, ReadOnlySpan<(DeviceWeight Weight, DeviceBuffer Output)> products)
    {
        if (products.Length is < 2 or > 3 || !SameLayout(products))
        {
            foreach (var (weight, output) in products) TernaryMatMul(weight, quantized, output, tokenCount);
            return;
        }
        var q = (IlgpuQuantizedBuffer)quantized;
        var stack = new TernaryProduct[3];
        var groups = new int[3];
        for (int m = 0; m < products.Length; m++)
        {
            var w = (IlgpuTernaryWeight)products[m].Weight;
            var output = (IlgpuBuffer)products[m].Output;
            RequireTokens(tokenCount, q, output);
            if (q.Cols != w.Cols || output.Cols != w.Rows)
                throw new ArgumentException($"{w.Name} is {w.Rows}×{w.Cols}; inputs have {q.Cols} and outputs {output.Cols} columns", nameof(products));
            stack[m] = new TernaryProduct(w.Vectors, w.BlockScales.View, output.Values.View, w.Rows);
            groups[m] = (w.Rows + KernelShapes.RowsPerGroup - 1) / KernelShapes.RowsPerGroup;
        }
        if (products.Length == 2) stack[2] = stack[1];   // no group reaches it
        var first = (IlgpuTernaryWeight)products[0].Weight;
        if (tokenCount == 1)
            _kernels.TernaryMatVecs(_stream, new KernelConfig(new Index3D(groups.Sum(), 1, 1), Group1D), stack[0], stack[1], stack[2],
                q.WordActivations, q.Sums.View, q.Scales.View, groups[0], groups[1], first.VectorsPerRow, first.BlockShift);
        else
            _kernels.TernaryMatMats(_stream, new KernelConfig(new Index3D(groups.Sum(), (tokenCount + KernelShapes.TokensPerTile - 1) / KernelShapes.TokensPerTile, 1), Group1D),
                stack[0], stack[1], stack[2], q.WordActivations, q.Sums.View, q.Scales.View, groups[0], groups[1], tokenCount, first.VectorsPerRow, first.BlockShift);
    }

    static bool SameLayout(ReadOnlySpan<(DeviceWeight Weight, DeviceBuffer Output)> products)
    {
        var first = (IlgpuTernaryWeight)products[0].Weight;
        foreach (var (weight, _) in products)
            if (weight is not IlgpuTernaryWeight w || w.Cols != first.Cols || w.VectorsPerRow != first.VectorsPerRow || w.BlockShift != first.BlockShift)
                return false;
        return true;
    }

    static void RequireSameWidth(int cols, params DeviceBuffer[] buffers)
    {
        foreach (var b in buffers)
            if (b.Cols != cols) throw new ArgumentException($"buffers of {b.Cols} and {cols} columns do not match");
    }
}
