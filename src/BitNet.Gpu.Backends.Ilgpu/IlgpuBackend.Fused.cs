using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using BitNet.Gpu.Model.Architectures;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The fused operations as one kernel each where they were two or three: a launch costs microseconds of its own on a
/// GPU, which at one token per step is a large share of a layer. Each kernel keeps the arithmetic of the kernels it
/// replaces, so the results are bit for bit those of the unfused operations.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Kernel launches queued since the backend started.</summary>
    public long KernelLaunches => _kernels.Launches.Count;

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
        _kernels.AddNormQuantize(_stream, new KernelConfig(new Index3D(tokenCount, 1, 1), Group1D),
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
        _kernels.GateNormQuantize(_stream, new KernelConfig(new Index3D(tokenCount, 1, 1), Group1D),
            g.Values.View, u.Values.View, weights, q.Packed.View, q.Sums.View, q.Scales.View, g.Cols, q.IntsPerRow,
            activation == Model.Architectures.GateActivation.ReluSquared ? GpuKernels.ReluSquared : GpuKernels.Silu, weight is null ? 0 : 1, epsilon);
    }

    public void RopeAttention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output, int tokenCount,
                              int heads, int keyValueHeads, int headDim, int ropeDims, float freqBase, RopeStyle style)
    {
        var c = (IlgpuKvCache)cache;
        CheckAttention(q, k, v, c, layer, output, tokenCount, heads, keyValueHeads, headDim);
        if (heads * headDim != q.Cols || keyValueHeads * headDim != k.Cols || k.Cols != v.Cols || headDim % 2 != 0
            || ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0)
            throw new ArgumentException($"rope of {heads}/{keyValueHeads} heads × {headDim} ({ropeDims} rotated) does not fit rows of {q.Cols} and {k.Cols}", nameof(ropeDims));
        var queries = (IlgpuBuffer)q;
        var table = _rope.Get(ropeDims, freqBase, _step.LongestLength, _contextLength);
        var pairs = new Index2D((heads + keyValueHeads) * headDim / 2, tokenCount);
        var keys = ((IlgpuBuffer)k).Values.View;
        var values = ((IlgpuBuffer)v).Values.View;
        int neox = style == RopeStyle.Neox ? 1 : 0;
        if (c.HalfKeys is not null)
            _kernels.RopeStoreHalf(_stream, pairs, queries.Values.View, keys, values, new HalfKeyValueRows(c.HalfKeys.View, c.HalfValues!.View), table,
                _step.Places, c.LayerStart(layer), c.ContextLength, heads, keyValueHeads, headDim, ropeDims, neox);
        else
            _kernels.RopeStore(_stream, pairs, queries.Values.View, keys, values, new FloatKeyValueRows(c.Keys!.View, c.Values!.View), table,
                _step.Places, c.LayerStart(layer), c.ContextLength, heads, keyValueHeads, headDim, ropeDims, neox);
        AttendCached(queries, c, layer, (IlgpuBuffer)output, tokenCount, heads, keyValueHeads, headDim);
    }

    static void RequireSameWidth(int cols, params DeviceBuffer[] buffers)
    {
        foreach (var b in buffers)
            if (b.Cols != cols) throw new ArgumentException($"buffers of {b.Cols} and {cols} columns do not match");
    }
}
