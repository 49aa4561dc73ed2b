using System.Diagnostics;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// A backend that forwards every operation to another one and, while <see cref="OperationProfile.Recording"/>, times each
/// operation the graph issues (as llama.cpp's per-op perf counters do). Queued backends (the GPUs) would otherwise only show
/// the time to enqueue, so after each timed operation it waits for the device by reading back one value: the figures
/// include that wait, and a profiled run is slower than a plain one. A backend's fused kernels are timed as one operation
/// each ("add_norm_quantize", "self_attention", "gate_norm_quantize"). It does not own the backend it wraps.
/// </summary>
public sealed class ProfilingBackend : IComputeBackend
{
    readonly IComputeBackend _inner;
    readonly DeviceBuffer _syncBuffer;
    readonly float[] _syncValue = new float[1];
    readonly Dictionary<(DeviceWeight First, int Count, int TopK), string> _names = [];

    public ProfilingBackend(IComputeBackend inner)
    {
        _inner = inner;
        _syncBuffer = inner.AllocateActivations(1, 1);
    }

    /// <summary>What was recorded so far.</summary>
    public OperationProfile Profile { get; } = new();

    public string Name => _inner.Name;
    public string DeviceDescription => _inner.DeviceDescription;
    public IReadOnlyList<KvCacheType> KvCacheTypes => _inner.KvCacheTypes;
    public bool RoundsDenseInput(Model.Formats.GgmlType type) => _inner.RoundsDenseInput(type);

    public DeviceWeight UploadTernary(GgufFile file, GgufTensorInfo tensor) => _inner.UploadTernary(file, tensor);
    public DeviceWeight UploadDense(GgufFile file, GgufTensorInfo tensor) => _inner.UploadDense(file, tensor);
    public DeviceWeight UploadVector(GgufFile file, GgufTensorInfo tensor) => _inner.UploadVector(file, tensor);
    public DeviceBuffer AllocateActivations(int rows, int cols) => _inner.AllocateActivations(rows, cols);
    public DeviceBuffer AllocateQuantized(int rows, int cols) => _inner.AllocateQuantized(rows, cols);
    public KvCache AllocateKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type) =>
        _inner.AllocateKvCache(layers, sequences, contextLength, keyValueHeads, headDim, type);

    public void BeginStep(StepTokens step)
    {
        _inner.BeginStep(step);
        if (Profile.Recording) Profile.AddStep(step.Count);
    }

    public void Embed(DeviceWeight table, DeviceBuffer output, int tokenCount)
    {
        long start = Begin();
        _inner.Embed(table, output, tokenCount);
        End("embed", start, table.ByteSize / table.Rows * tokenCount); // one row a token
    }

    public void RmsNorm(DeviceBuffer x, DeviceWeight weight, DeviceBuffer y, int tokenCount, float epsilon)
    {
        long start = Begin();
        _inner.RmsNorm(x, weight, y, tokenCount, epsilon);
        End("rms_norm", start, bytes: 0);
    }

    public void QuantizeActivations(DeviceBuffer x, DeviceBuffer quantized, int tokenCount)
    {
        long start = Begin();
        _inner.QuantizeActivations(x, quantized, tokenCount);
        End("quantize", start, bytes: 0);
    }

    public void TernaryMatMul(DeviceWeight weight, DeviceBuffer quantized, DeviceBuffer y, int tokenCount)
    {
        long start = Begin();
        _inner.TernaryMatMul(weight, quantized, y, tokenCount);
        End(OperationName("ternary", [weight]), start, weight.ByteSize);
    }

    public void TernaryMatMuls(DeviceBuffer quantized, int tokenCount, ReadOnlySpan<(DeviceWeight Weight, DeviceBuffer Output)> products)
    {
        long start = Begin();
        _inner.TernaryMatMuls(quantized, tokenCount, products);
        long bytes = 0;
        var weights = new DeviceWeight[products.Length];
        for (int i = 0; i < products.Length; i++)
        {
            weights[i] = products[i].Weight;
            bytes += weights[i].ByteSize;
        }
        End(OperationName("ternary", weights), start, bytes);
    }

    public void DenseMatMul(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        long start = Begin();
        _inner.DenseMatMul(weight, x, y, tokenCount);
        End(OperationName("dense", [weight]), start, weight.ByteSize);
    }

    public long DenseMatMulTop(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int topK, ReadOnlySpan<int> alwaysExact)
    {
        long start = Begin();
        long bytes = _inner.DenseMatMulTop(weight, x, y, topK, alwaysExact);
        End(OperationName("dense", [weight], topK), start, bytes);
        return bytes;
    }

    public long DenseMatMulTopRows(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount, ReadOnlySpan<int> topK,
                                   IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        long start = Begin();
        long bytes = _inner.DenseMatMulTopRows(weight, x, y, tokenCount, topK, alwaysExact);
        End(OperationName("dense", [weight], topK[0]), start, bytes);
        return bytes;
    }

    public void Rope(DeviceBuffer x, int tokenCount, int heads, int headDim, int ropeDims, float freqBase, RopeStyle style)
    {
        long start = Begin();
        _inner.Rope(x, tokenCount, heads, headDim, ropeDims, freqBase, style);
        End("rope", start, bytes: 0);
    }

    public void Attention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output,
                          int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        long start = Begin();
        _inner.Attention(q, k, v, cache, layer, output, tokenCount, heads, keyValueHeads, headDim);
        End("attention", start, bytes: 0);
    }

    public void GateActivation(DeviceBuffer gate, DeviceBuffer up, int tokenCount, GateActivation activation)
    {
        long start = Begin();
        _inner.GateActivation(gate, up, tokenCount, activation);
        End("gate", start, bytes: 0);
    }

    public void Add(DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        long start = Begin();
        _inner.Add(x, y, tokenCount);
        End("add", start, bytes: 0);
    }

    public bool HasFusedKernels => _inner.HasFusedKernels;

    // A fused kernel is timed as one operation; without one, the composition runs through this wrapper so each part is timed.

    public void AddNormQuantize(DeviceBuffer x, DeviceBuffer? residual, DeviceWeight? weight, DeviceBuffer normed, DeviceBuffer quantized,
                                int tokenCount, float epsilon)
    {
        if (!_inner.HasFusedKernels)
        {
            ComposedOperations.AddNormQuantize(this, x, residual, weight, normed, quantized, tokenCount, epsilon);
            return;
        }
        long start = Begin();
        _inner.AddNormQuantize(x, residual, weight, normed, quantized, tokenCount, epsilon);
        End("add_norm_quantize", start, bytes: 0);
    }

    public void GateNormQuantize(DeviceBuffer gate, DeviceBuffer up, GateActivation activation, DeviceWeight? weight, DeviceBuffer quantized,
                                 int tokenCount, float epsilon)
    {
        if (!_inner.HasFusedKernels)
        {
            ComposedOperations.GateNormQuantize(this, gate, up, activation, weight, quantized, tokenCount, epsilon);
            return;
        }
        long start = Begin();
        _inner.GateNormQuantize(gate, up, activation, weight, quantized, tokenCount, epsilon);
        End("gate_norm_quantize", start, bytes: 0);
    }

    public void SelfAttention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, AttentionShape shape, DeviceBuffer output,
                              DeviceWeight? subNorm, DeviceBuffer quantized, int tokenCount, float epsilon)
    {
        if (!_inner.HasFusedKernels)
        {
            ComposedOperations.SelfAttention(this, q, k, v, cache, layer, shape, output, subNorm, quantized, tokenCount, epsilon);
            return;
        }
        long start = Begin();
        _inner.SelfAttention(q, k, v, cache, layer, shape, output, subNorm, quantized, tokenCount, epsilon);
        End("self_attention", start, bytes: 0);
    }

    public void CopyRow(DeviceBuffer source, int sourceRow, DeviceBuffer destination, int destinationRow)
    {
        long start = Begin();
        _inner.CopyRow(source, sourceRow, destination, destinationRow);
        End("copy_row", start, bytes: 0);
    }

    public void Write(DeviceBuffer buffer, int rows, ReadOnlySpan<float> values) => _inner.Write(buffer, rows, values);

    public void Read(DeviceBuffer buffer, int rows, Span<float> destination)
    {
        long start = Profile.Recording ? Stopwatch.GetTimestamp() : 0;
        _inner.Read(buffer, rows, destination);
        if (Profile.Recording) Profile.Add("read logits", Stopwatch.GetTimestamp() - start, bytes: 0);
    }

    public void ReadQuantized(DeviceBuffer quantized, int rows, Span<sbyte> values, Span<float> scales) =>
        _inner.ReadQuantized(quantized, rows, values, scales);

    /// <summary>Frees the one-value buffer it reads to wait for the device; the wrapped backend stays open.</summary>
    public void Dispose() => _syncBuffer.Dispose();

    long Begin() => Profile.Recording ? Stopwatch.GetTimestamp() : 0;

    void End(string operation, long start, long bytes)
    {
        if (!Profile.Recording) return;
        _inner.Read(_syncBuffer, 1, _syncValue); // waits for the queued operation
        Profile.Add(operation, Stopwatch.GetTimestamp() - start, bytes);
    }

    /// <summary>"ternary attn_q+attn_k+attn_v", "dense output top-40": made once per weight (no allocation per call).</summary>
    string OperationName(string operation, DeviceWeight[] weights, int topK = 0)
    {
        var key = (weights[0], weights.Length, topK);
        if (!_names.TryGetValue(key, out var name))
        {
            name = $"{operation} {string.Join('+', weights.Select(w => TensorKind(w.Name)))}" + (topK > 0 ? $" top-{topK}" : "");
            _names[key] = name;
        }
        return name;
    }

    /// <summary>"blk.7.attn_q.weight" → "attn_q", "token_embd.weight" → "token_embd": the layer number and suffix dropped,
    /// so a tensor kind's calls over all layers add up in one row.</summary>
    internal static string TensorKind(string tensorName)
    {
        var parts = tensorName.Split('.');
        int first = parts.Length > 2 && parts[0] == "blk" && int.TryParse(parts[1], out _) ? 2 : 0;
        int last = parts[^1] == "weight" && parts.Length - 1 > first ? parts.Length - 1 : parts.Length;
        return string.Join('.', parts[first..last]);
    }
}
