using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;

namespace BitNet.Gpu.Engine.Graph;

/// <summary>
/// The forward pass of the supported architectures (BitNet b1.58 2B4T, 1bitLLM bitnet, ternary llama), built from
/// backend operations. They share one shape; the architecture decides the RoPE style, the gate activation and
/// whether the BitNet sub-norms are applied:
///   x = embed(tokens)
///   per layer:  h = attn_norm(x); q,k,v = ternary(h); rope(q,k); a = attention(q, k, v)
///               x += o_proj(attn_sub_norm(a))
///               h = ffn_norm(x); x += down(ffn_sub_norm(act(gate(h)) * up(h)))
///   logits = output(output_norm(x))
/// Weights are uploaded once; the activations for up to <see cref="MaxBatch"/> tokens and the KV cache stay on the backend.
/// </summary>
public sealed class TransformerGraph : IDisposable
{
    readonly IComputeBackend _backend;
    readonly ModelDescription _model;
    readonly Hyperparameters _hp;
    readonly GraphWeights _weights;
    readonly GraphActivations _activations;
    readonly KvCache _cache;

    /// <param name="cacheType">How the KV cache is stored; null = the backend's default (its first <see cref="IComputeBackend.KvCacheTypes"/>).</param>
    public TransformerGraph(ModelDescription model, IComputeBackend backend, int contextLength, int maxBatch,
                            Action<int, int, string>? uploadProgress = null, KvCacheType? cacheType = null)
    {
        if (contextLength <= 0 || contextLength > model.Hyperparameters.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength,
                $"--ctx must be between 1 and the model's context length {model.Hyperparameters.ContextLength}");
        if (maxBatch <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "batch size must be positive");

        var cacheTypes = backend.KvCacheTypes;
        if (cacheType is { } requested && !cacheTypes.Contains(requested))
            throw new ArgumentException($"--cache-type {requested.Name()} is not supported by the {backend.Name} backend (it keeps {string.Join(" or ", cacheTypes.Select(t => t.Name()))})", nameof(cacheType));

        _backend = backend;
        _model = model;
        _hp = model.Hyperparameters;
        ContextLength = contextLength;
        MaxBatch = Math.Min(maxBatch, contextLength);
        _weights = GraphWeights.Upload(model, backend, uploadProgress);
        _activations = new GraphActivations(backend, _hp, MaxBatch);
        _cache = backend.AllocateKvCache(_hp.BlockCount, contextLength, _hp.KeyValueHeadCount, _hp.HeadDim, cacheType ?? cacheTypes[0]);
    }

    public ModelDescription Model => _model;
    public IComputeBackend Backend => _backend;
    public int ContextLength { get; }
    public int MaxBatch { get; }
    public int VocabSize => _hp.VocabSize;
    /// <summary>How the KV cache stores keys and values.</summary>
    public KvCacheType CacheType => _cache.Type;

    /// <summary>Bytes of weights one generated token reads with every logit, as the backend stores them.</summary>
    public long WeightBytesPerToken => _weights.BytesReadPerToken;

    /// <summary>Bytes of the output projection as the backend stores it.</summary>
    public long OutputBytes => _weights.Output.ByteSize;

    /// <summary>
    /// The share of the output projection's weight bytes the last step read: 1 when every logit was computed, less when
    /// <see cref="ForwardTop"/> let the backend skip rows (the benchmark's bytes per token).
    /// </summary>
    public double LastOutputReadFraction { get; private set; } = 1;

    /// <summary>
    /// Called with each named intermediate as soon as it is computed: (name, buffer, rows), rows = the batch's tokens.
    /// Names follow llama.cpp's graph names with the layer appended (attn_norm-0, Qcur-0, kqv_out-0, ..., l_out-29,
    /// result_norm, result_output), so a dump lines up with llama.cpp/bitnet.cpp's eval callback. For debugging and
    /// cross-engine comparison; null (the default) costs nothing.
    /// </summary>
    public Action<string, DeviceBuffer, int>? Inspect { get; set; }

    void Named(string name, int layer, DeviceBuffer buffer, int rows) => Inspect?.Invoke(layer < 0 ? name : $"{name}-{layer}", buffer, rows);

    /// <summary>Tokens held in the KV cache: the position of the next token.</summary>
    public int Position { get; private set; }

    /// <summary>Forgets the KV cache (a new conversation).</summary>
    public void Reset() => Position = 0;

    /// <summary>Drops cached positions from <paramref name="position"/> on.</summary>
    public void Truncate(int position) => Position = Math.Clamp(position, 0, Position);

    /// <summary>
    /// Runs <paramref name="tokens"/> at the next positions, in batches of up to <see cref="MaxBatch"/>.
    /// <paramref name="logits"/> receives the last token's logits [vocab], or every token's [tokens × vocab] when
    /// <paramref name="allLogits"/> is set.
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits, bool allLogits = false) =>
        Forward(tokens, logits, allLogits, topK: 0, alwaysExact: []);

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{int}, Span{float}, bool)"/> for a sampler that only looks at the <paramref name="topK"/>
    /// largest logits (top-k sampling, or 1 when greedy) after adjusting those of <paramref name="alwaysExact"/> (logit
    /// bias, repetition penalties): the last token's logits are exact for those tokens and for every token that can be
    /// among the topK largest; the backend may set the rest to -inf, which skips most of the output projection's reads.
    /// </summary>
    public void ForwardTop(ReadOnlySpan<int> tokens, Span<float> logits, int topK, ReadOnlySpan<int> alwaysExact)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        foreach (int token in alwaysExact)
            if ((uint)token >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(alwaysExact), token, $"token id out of range (vocabulary has {VocabSize})");
        Forward(tokens, logits, allLogits: false, topK, alwaysExact);
    }

    void Forward(ReadOnlySpan<int> tokens, Span<float> logits, bool allLogits, int topK, ReadOnlySpan<int> alwaysExact)
    {
        if (tokens.IsEmpty) throw new ArgumentException("no tokens to run", nameof(tokens));
        if (Position + tokens.Length > ContextLength)
            throw new ContextOverflowException(Position + tokens.Length, ContextLength);
        int expected = (allLogits ? tokens.Length : 1) * VocabSize;
        if (logits.Length < expected)
            throw new ArgumentException($"logits needs {expected} floats, got {logits.Length}", nameof(logits));
        foreach (int token in tokens)
            if ((uint)token >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"token id out of range (vocabulary has {VocabSize})");

        for (int start = 0; start < tokens.Length; start += MaxBatch)
        {
            int count = Math.Min(MaxBatch, tokens.Length - start);
            bool last = start + count == tokens.Length;
            var chunkLogits = allLogits ? logits.Slice(start * VocabSize, count * VocabSize) : logits[..VocabSize];
            Step(tokens.Slice(start, count), chunkLogits, allLogits, last, topK, alwaysExact);
        }
    }

    /// <summary>
    /// One batch: every layer, then the logits of all tokens or of the last one (only when it is the final batch; only the
    /// top ones when <paramref name="topK"/> is positive).
    /// </summary>
    void Step(ReadOnlySpan<int> tokens, Span<float> logits, bool allLogits, bool lastBatch, int topK, ReadOnlySpan<int> alwaysExact)
    {
        var b = _backend;
        var a = _activations;
        int n = tokens.Length;
        b.BeginStep(tokens, Position);
        b.Embed(_weights.TokenEmbedding, a.X, n);
        for (int layer = 0; layer < _hp.BlockCount; layer++)
        {
            Attention(layer, n);
            FeedForward(layer, n);
        }
        Position += n;

        if (!allLogits && !lastBatch) return;
        b.RmsNorm(a.X, _weights.OutputNorm, a.H, n, _hp.RmsNormEpsilon);
        Named("result_norm", -1, a.H, n);
        if (allLogits)
        {
            b.DenseMatMul(_weights.Output, a.H, a.AllLogits, n);
            LastOutputReadFraction = 1;
            Named("result_output", -1, a.AllLogits, n);
            b.Read(a.AllLogits, n, logits);
        }
        else
        {
            b.CopyRow(a.H, n - 1, a.LastHidden);
            if (topK > 0)
            {
                LastOutputReadFraction = (double)b.DenseMatMulTop(_weights.Output, a.LastHidden, a.Logits, topK, alwaysExact) / _weights.Output.ByteSize;
            }
            else
            {
                b.DenseMatMul(_weights.Output, a.LastHidden, a.Logits, 1);
                LastOutputReadFraction = 1;
            }
            Named("result_output", -1, a.Logits, 1);
            b.Read(a.Logits, 1, logits);
        }
    }

    // x += o_proj(attn_sub_norm(attention(rope(q), rope(k), v)))  with q,k,v = projections of attn_norm(x)
    void Attention(int layer, int n)
    {
        var b = _backend;
        var a = _activations;
        var w = _weights.Layers[layer];
        b.RmsNorm(a.X, w.AttentionNorm, a.H, n, _hp.RmsNormEpsilon);
        Named("attn_norm", layer, a.H, n);
        b.QuantizeActivations(a.H, a.HiddenQuantized, n);
        b.TernaryMatMuls(a.HiddenQuantized, n, [(w.Query, a.Q), (w.Key, a.K), (w.Value, a.V)]);
        Named("Vcur", layer, a.V, n);
        b.Rope(a.Q, n, _hp.HeadCount, _hp.HeadDim, _hp.RopeDimensions, _hp.RopeFreqBase, _model.Architecture.Rope);
        b.Rope(a.K, n, _hp.KeyValueHeadCount, _hp.HeadDim, _hp.RopeDimensions, _hp.RopeFreqBase, _model.Architecture.Rope);
        Named("Qcur", layer, a.Q, n); // after RoPE, as llama.cpp's last Qcur/Kcur
        Named("Kcur", layer, a.K, n);
        b.Attention(a.Q, a.K, a.V, _cache, layer, a.AttentionOut, n, _hp.HeadCount, _hp.KeyValueHeadCount, _hp.HeadDim);
        Named("kqv_out", layer, a.AttentionOut, n);
        if (w.AttentionSubNorm is not null)
        {
            b.RmsNorm(a.AttentionOut, w.AttentionSubNorm, a.AttentionOut, n, _hp.RmsNormEpsilon);
            Named("attn_sub_norm", layer, a.AttentionOut, n);
        }
        b.QuantizeActivations(a.AttentionOut, a.AttentionQuantized, n);
        b.TernaryMatMul(w.AttentionOutput, a.AttentionQuantized, a.H, n);
        Named("attn_o_out", layer, a.H, n);
        b.Add(a.X, a.H, n);
        Named("ffn_inp", layer, a.X, n);
    }

    // x += down(ffn_sub_norm(act(gate(h)) * up(h)))  with h = ffn_norm(x)
    void FeedForward(int layer, int n)
    {
        var b = _backend;
        var a = _activations;
        var w = _weights.Layers[layer];
        b.RmsNorm(a.X, w.FeedForwardNorm, a.H, n, _hp.RmsNormEpsilon);
        Named("ffn_norm", layer, a.H, n);
        b.QuantizeActivations(a.H, a.HiddenQuantized, n);
        b.TernaryMatMuls(a.HiddenQuantized, n, [(w.Gate, a.Gate), (w.Up, a.Up)]);
        Named("ffn_gate", layer, a.Gate, n);
        Named("ffn_up", layer, a.Up, n);
        b.GateActivation(a.Gate, a.Up, n, _model.Architecture.Activation);
        Named("ffn_out", layer, a.Gate, n);
        if (w.FeedForwardSubNorm is not null)
        {
            b.RmsNorm(a.Gate, w.FeedForwardSubNorm, a.Gate, n, _hp.RmsNormEpsilon);
            Named("ffn_sub_norm", layer, a.Gate, n);
        }
        b.QuantizeActivations(a.Gate, a.FeedForwardQuantized, n);
        b.TernaryMatMul(w.Down, a.FeedForwardQuantized, a.H, n);
        Named("ffn_down", layer, a.H, n);
        b.Add(a.X, a.H, n);
        Named("l_out", layer, a.X, n);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _activations.Dispose();
        _weights.Dispose();
    }
}
