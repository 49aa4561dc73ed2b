using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// What a compute backend (reference, CPU, ILGPU, Vulkan) provides to the transformer graph: weights uploaded once,
/// device-resident activation buffers and KV cache, and the handful of operations the graph is built from.
/// Operations are queued in order; only <see cref="ReadLogits"/> waits for the device, once per step.
/// All matrices are row-major [rows × cols] with cols the input size; a batch of n tokens is n consecutive rows.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>Short name: reference, cpu, cuda, opencl, vulkan.</summary>
    string Name { get; }
    /// <summary>The device, in words (for run/bench output).</summary>
    string DeviceDescription { get; }

    /// <summary>A ternary projection (I2_S, TQ2_0 or TQ1_0), kept packed at about 2 bits per weight.</summary>
    DeviceWeight UploadTernary(GgufFile file, GgufTensorInfo tensor);
    /// <summary>An embedding or output matrix (F32, F16, BF16, Q8_0, Q4_K, Q6_K) [rows × cols].</summary>
    DeviceWeight UploadDense(GgufFile file, GgufTensorInfo tensor);
    /// <summary>A norm weight vector (F32).</summary>
    DeviceWeight UploadVector(GgufFile file, GgufTensorInfo tensor);

    /// <summary>Float activations for up to <paramref name="rows"/> tokens of <paramref name="cols"/> values.</summary>
    DeviceBuffer AllocateActivations(int rows, int cols);
    /// <summary>Int8-quantized activations (with one scale per row) for up to rows tokens.</summary>
    DeviceBuffer AllocateQuantized(int rows, int cols);
    /// <summary>The KV cache types this backend keeps; the first is its default.</summary>
    IReadOnlyList<KvCacheType> KvCacheTypes => [KvCacheType.F32];
    /// <summary>Keys and values for every layer of <paramref name="sequences"/> sequences, each with positions
    /// 0 .. contextLength-1, stored as <paramref name="type"/> (one of <see cref="KvCacheTypes"/>; others are a
    /// NotSupportedException). Sequence s, position p is cache row s·contextLength + p.</summary>
    KvCache AllocateKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type);

    /// <summary>A cache for one sequence.</summary>
    KvCache AllocateKvCache(int layers, int contextLength, int keyValueHeads, int headDim, KvCacheType type) =>
        AllocateKvCache(layers, 1, contextLength, keyValueHeads, headDim, type);

    /// <summary>Called before the operations of one forward step: token t is step.Tokens[t], at position step.Positions[t]
    /// of sequence step.Sequences[t]. The tokens of one sequence are consecutive positions in order.</summary>
    void BeginStep(StepTokens step);

    /// <summary>A step of one sequence (sequence 0): n tokens at positions startPosition .. startPosition+n-1.</summary>
    void BeginStep(ReadOnlySpan<int> tokens, int startPosition) => BeginStep(StepTokens.Consecutive(tokens, startPosition));

    // output[t, :] = table[tokens[t], :]
    void Embed(DeviceWeight table, DeviceBuffer output, int tokenCount);
    // y[t, :] = x[t, :] / sqrt(mean(x[t, :]²) + eps) * weight   (y may be x)
    void RmsNorm(DeviceBuffer x, DeviceWeight weight, DeviceBuffer y, int tokenCount, float epsilon);
    // q[t, :] = round(x[t, :] * 127 / max|x[t, :]|) clamped to int8, with that scale kept per token
    void QuantizeActivations(DeviceBuffer x, DeviceBuffer quantized, int tokenCount);
    // y[t, r] = (Σ_c w[r, c] · q[t, c]) / scale[t] × weightScale
    void TernaryMatMul(DeviceWeight weight, DeviceBuffer quantized, DeviceBuffer y, int tokenCount);
    // y_i = TernaryMatMul(w_i, q) for weights that share one input (q/k/v, gate/up); a backend may run them as one pass
    void TernaryMatMuls(DeviceBuffer quantized, int tokenCount, ReadOnlySpan<(DeviceWeight Weight, DeviceBuffer Output)> products)
    {
        foreach (var (weight, output) in products) TernaryMatMul(weight, quantized, output, tokenCount);
    }
    // y[t, r] = Σ_c w[r, c] · x[t, c]  (dense output projection)
    void DenseMatMul(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount);
    /// <summary>Whether <see cref="DenseMatMul"/> rounds its input to int8 for weights of <paramref name="type"/> (as llama.cpp
    /// does for Q6_K and Q4_K), trading precision for speed: checks then allow that rounding's error.</summary>
    bool RoundsDenseInput(Model.Formats.GgmlType type) => false;
    // y = DenseMatMul(w, x) for one token where it matters to a sampler keeping the topK largest: exact for every row that
    // can be among them and for the rows in alwaysExact; a backend may set the others to -inf (the default computes all).
    // Returns the bytes of weights read (for the benchmark's bytes per token).
    long DenseMatMulTop(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int topK, ReadOnlySpan<int> alwaysExact)
    {
        DenseMatMul(weight, x, y, 1);
        return weight.ByteSize;
    }
    // y[t] = DenseMatMulTop(w, x[t], topK[t], alwaysExact[t]) for each of tokenCount rows (every topK[t] positive): the
    // logits of several sequences in one step, each for its own sampler. A backend may compute every logit of any row
    // instead (the default computes them all). Returns the bytes of weights read.
    long DenseMatMulTopRows(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount, ReadOnlySpan<int> topK,
                            IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        DenseMatMul(weight, x, y, tokenCount);
        return weight.ByteSize;
    }
    // rotates each head of x[t, :] by the position of token t
    void Rope(DeviceBuffer x, int tokenCount, int heads, int headDim, int ropeDims, float freqBase, RopeStyle style);
    // stores k[t], v[t] at (sequence[t], position[t]) of the layer, then causal attention of q[t] over positions
    // [0, position[t]] of its own sequence
    void Attention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output,
                   int tokenCount, int heads, int keyValueHeads, int headDim);
    // gate[t, i] = act(gate[t, i]) * up[t, i]
    void GateActivation(DeviceBuffer gate, DeviceBuffer up, int tokenCount, GateActivation activation);
    // x += y
    void Add(DeviceBuffer x, DeviceBuffer y, int tokenCount);

    // ---- fused operations: the graph issues these when nothing inspects its tensors; the defaults compose the operations
    // above (ComposedOperations), and a backend whose launches cost (ILGPU) runs each as fewer kernels with the same arithmetic ----

    /// <summary>Whether this backend runs the fused operations below as kernels of their own rather than as the default
    /// compositions of the plain operations (a profiler then times each as one operation).</summary>
    bool HasFusedKernels => false;

    // x += residual (when given); normed = RmsNorm(x, weight) (when a weight is given, else x is quantized as it is);
    // quantized = QuantizeActivations(normed).  normed may be residual (each element is read before it is written).
    /// <summary>The residual add, norm and int8 quantization in front of each ternary projection (the previous product's
    /// residual add is held back to run here).</summary>
    void AddNormQuantize(DeviceBuffer x, DeviceBuffer? residual, DeviceWeight? weight, DeviceBuffer normed, DeviceBuffer quantized,
                         int tokenCount, float epsilon) =>
        ComposedOperations.AddNormQuantize(this, x, residual, weight, normed, quantized, tokenCount, epsilon);

    // gate = act(gate) · up;  gate = RmsNorm(gate, weight) when a weight is given;  quantized = QuantizeActivations(gate)
    /// <summary>The feed-forward's activation, sub-norm and quantization in front of its down projection.</summary>
    void GateNormQuantize(DeviceBuffer gate, DeviceBuffer up, GateActivation activation, DeviceWeight? weight, DeviceBuffer quantized,
                          int tokenCount, float epsilon) =>
        ComposedOperations.GateNormQuantize(this, gate, up, activation, weight, quantized, tokenCount, epsilon);

    // Rope(q), Rope(k);  output = Attention(q, k, v);  AddNormQuantize(output, null, subNorm, output, quantized)
    /// <summary>Self-attention from the projections to the output projection's input: RoPE of q and k (both rotated in
    /// place), the KV cache store, the attention, its sub-norm (when given; output receives the normed values) and the
    /// int8 quantization.</summary>
    void SelfAttention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, AttentionShape shape, DeviceBuffer output,
                       DeviceWeight? subNorm, DeviceBuffer quantized, int tokenCount, float epsilon) =>
        ComposedOperations.SelfAttention(this, q, k, v, cache, layer, shape, output, subNorm, quantized, tokenCount, epsilon);

    // destination[destinationRow, :] = source[sourceRow, :]  (gathers the hidden states whose logits are needed)
    void CopyRow(DeviceBuffer source, int sourceRow, DeviceBuffer destination, int destinationRow);
    // destination[0, :] = source[row, :]
    void CopyRow(DeviceBuffer source, int row, DeviceBuffer destination) => CopyRow(source, row, destination, 0);

    /// <summary>Copies host values into the first rows of a float buffer (inputs for tests and tools; the graph never needs it).</summary>
    void Write(DeviceBuffer buffer, int rows, ReadOnlySpan<float> values);
    /// <summary>Waits for the queued work and copies the first rows of a float buffer to the host: for the graph,
    /// the logits, the one synchronization per step.</summary>
    void Read(DeviceBuffer buffer, int rows, Span<float> destination);
    /// <summary>Waits and copies the int8 values and per-row scales of a quantized buffer (for tests).</summary>
    void ReadQuantized(DeviceBuffer quantized, int rows, Span<sbyte> values, Span<float> scales);
}

/// <summary>A weight tensor owned by a backend.</summary>
public abstract class DeviceWeight : IDisposable
{
    public required string Name { get; init; }
    public required int Rows { get; init; }
    public required int Cols { get; init; }
    /// <summary>Bytes the weight occupies on the device.</summary>
    public required long ByteSize { get; init; }
    public virtual void Dispose() { }
}

/// <summary>Activations owned by a backend: up to Rows tokens of Cols values.</summary>
public abstract class DeviceBuffer : IDisposable
{
    public int Rows { get; init; }
    public int Cols { get; init; }
    public virtual void Dispose() { }
}

/// <summary>The KV cache of all layers, owned by a backend.</summary>
public abstract class KvCache : IDisposable
{
    public int Layers { get; init; }
    /// <summary>Sequences the cache holds side by side, each with <see cref="ContextLength"/> positions.</summary>
    public int Sequences { get; init; } = 1;
    /// <summary>Positions per sequence.</summary>
    public int ContextLength { get; init; }
    public int KeyValueHeads { get; init; }
    public int HeadDim { get; init; }
    public KvCacheType Type { get; init; }
    public virtual void Dispose() { }
}
