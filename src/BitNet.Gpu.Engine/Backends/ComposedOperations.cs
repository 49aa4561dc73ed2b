using BitNet.Gpu.Model.Architectures;

namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// The fused operations of <see cref="IComputeBackend"/> written as the plain operations they stand for: the defaults
/// of backends without fused kernels, and what a wrapper (<see cref="ProfilingBackend"/>) issues through itself so that
/// each part is seen.
/// </summary>
public static class ComposedOperations
{
    /// <summary>x += residual; normed = RmsNorm(x); quantized = Quantize(normed) (see <see cref="IComputeBackend.AddNormQuantize"/>).</summary>
    public static void AddNormQuantize(IComputeBackend backend, DeviceBuffer x, DeviceBuffer? residual, DeviceWeight? weight,
                                       DeviceBuffer normed, DeviceBuffer quantized, int tokenCount, float epsilon)
    {
        if (residual is not null) backend.Add(x, residual, tokenCount);
        var source = x;
        if (weight is not null)
        {
            backend.RmsNorm(x, weight, normed, tokenCount, epsilon);
            source = normed;
        }
        backend.QuantizeActivations(source, quantized, tokenCount);
    }

    /// <summary>gate = act(gate)·up; gate = RmsNorm(gate); quantized = Quantize(gate) (see <see cref="IComputeBackend.GateNormQuantize"/>).</summary>
    public static void GateNormQuantize(IComputeBackend backend, DeviceBuffer gate, DeviceBuffer up, GateActivation activation,
                                        DeviceWeight? weight, DeviceBuffer quantized, int tokenCount, float epsilon)
    {
        backend.GateActivation(gate, up, tokenCount, activation);
        if (weight is not null) backend.RmsNorm(gate, weight, gate, tokenCount, epsilon);
        backend.QuantizeActivations(gate, quantized, tokenCount);
    }

    /// <summary>RoPE, KV store and attention, then the sub-norm and quantization (see <see cref="IComputeBackend.SelfAttention"/>).</summary>
    public static void SelfAttention(IComputeBackend backend, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer,
                                     AttentionShape shape, DeviceBuffer output, DeviceWeight? subNorm, DeviceBuffer quantized,
                                     int tokenCount, float epsilon)
    {
        backend.Rope(q, tokenCount, shape.Heads, shape.HeadDim, shape.RopeDims, shape.RopeFreqBase, shape.RopeStyle);
        backend.Rope(k, tokenCount, shape.KeyValueHeads, shape.HeadDim, shape.RopeDims, shape.RopeFreqBase, shape.RopeStyle);
        backend.Attention(q, k, v, cache, layer, output, tokenCount, shape.Heads, shape.KeyValueHeads, shape.HeadDim);
        AddNormQuantize(backend, output, null, subNorm, output, quantized, tokenCount, epsilon);
    }
}
