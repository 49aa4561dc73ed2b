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
    /// <param name="sequences">Sequences the KV cache holds at once (slots for <see cref="ForwardBatch"/>), each of contextLength positions.</param>
    public TransformerGraph(ModelDescription model, IComputeBackend backend, int contextLength, int maxBatch,
                            Action<int, int, string>? uploadProgress = null, KvCacheType? cacheType = null, int sequences = 1)
    {
        if (sequences < 1 || sequences > MaxSequences)
            throw new ArgumentOutOfRangeException(nameof(sequences), sequences, $"--parallel must be between 1 and {MaxSequences}");
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
        MaxBatch = (int)Math.Min(maxBatch, (long)contextLength * sequences); // a step never holds more than every slot's context
        _weights = GraphWeights.Upload(model, backend, uploadProgress);
        _activations = new GraphActivations(backend, _hp, MaxBatch);
        _cache = backend.AllocateKvCache(_hp.BlockCount, sequences, contextLength, _hp.KeyValueHeadCount, _hp.HeadDim, cacheType ?? cacheTypes[0]);
        _lengths = new int[sequences];
    }

    /// <summary>The most sequences one graph holds.</summary>
    public const int MaxSequences = 1024;

    readonly int[] _lengths; // per sequence: positions held in the KV cache

    /// <summary>Sequences the KV cache holds (slots).</summary>
    public int Sequences => _lengths.Length;

    public ModelDescription Model => _model;
    public IComputeBackend Backend => _backend;
    public int ContextLength { get; }
    public int MaxBatch { get; }
    public int VocabSize => _hp.VocabSize;
    /// <summary>Floats in one token's hidden state (the model's embedding length): a row of <see cref="ForwardBatch(ReadOnlySpan{SequenceChunk}, Span{float}, Span{float})"/>'s hidden states.</summary>
    public int EmbeddingLength => _hp.EmbeddingLength;
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

    /// <summary>Tokens held in the KV cache for sequence 0: the position of its next token.</summary>
    public int Position => _lengths[0];

    /// <summary>Forgets the KV cache of every sequence (a new conversation).</summary>
    public void Reset() => Array.Clear(_lengths);

    /// <summary>Drops sequence 0's cached positions from <paramref name="position"/> on.</summary>
    public void Truncate(int position) => TruncateSequence(0, position);

    /// <summary>Tokens held in the KV cache for <paramref name="sequence"/>: the position of its next token.</summary>
    public int SequenceLength(int sequence) => _lengths[sequence];

    /// <summary>Drops a sequence's cached positions from <paramref name="length"/> on (0 frees the slot for a new sequence).</summary>
    public void TruncateSequence(int sequence, int length) => _lengths[sequence] = Math.Clamp(length, 0, _lengths[sequence]);

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
        CheckVocabulary(tokens);

        var sequences = new int[Math.Min(MaxBatch, tokens.Length)]; // all sequence 0
        var positions = new int[sequences.Length];
        for (int start = 0; start < tokens.Length; start += MaxBatch)
        {
            int count = Math.Min(MaxBatch, tokens.Length - start);
            for (int t = 0; t < count; t++) positions[t] = Position + t;
            var step = new StepTokens(tokens.Slice(start, count), sequences.AsSpan(0, count), positions.AsSpan(0, count));
            bool last = start + count == tokens.Length;
            int[] logitRows = allLogits ? Enumerable.Range(0, count).ToArray() : last ? [count - 1] : [];
            var chunkLogits = allLogits ? logits.Slice(start * VocabSize, count * VocabSize) : logits[..VocabSize];
            var screens = allLogits ? new LogitScreen[count] : [new LogitScreen(topK, alwaysExact.ToArray())];
            Step(step, logitRows, chunkLogits, screens, hiddenRows: [], hidden: []);
        }
    }

    /// <summary>
    /// One step over several sequences at once (continuous batching): each chunk's tokens continue its sequence from
    /// <see cref="SequenceLength"/>, and every token reads only its own sequence's keys and values. The ternary products,
    /// norms and the output projection run once over all the step's tokens. <paramref name="logits"/> receives, in chunk
    /// order, the last token's logits [vocab] of each chunk that <see cref="SequenceChunk.WantsLogits"/> (every token's, one
    /// row each, for a chunk with <see cref="SequenceChunk.EveryToken"/>). A chunk with a
    /// positive <see cref="SequenceChunk.TopK"/> gets exact logits only where its top-k sampler can use them (as
    /// <see cref="ForwardTop"/>); when every such chunk has one, the backend screens them together (the top-k screen per
    /// sequence), else the output projection is one full pass shared by all of them.
    /// </summary>
    public void ForwardBatch(ReadOnlySpan<SequenceChunk> chunks, Span<float> logits) => ForwardBatch(chunks, logits, hidden: []);

    /// <summary>
    /// <see cref="ForwardBatch(ReadOnlySpan{SequenceChunk}, Span{float})"/> that also gives the final hidden states of the
    /// chunks that ask for them (<see cref="SequenceChunk.HiddenStates"/>): <paramref name="hidden"/> receives, in chunk
    /// order, one row of <see cref="EmbeddingLength"/> floats per token of each such chunk.
    /// </summary>
    public void ForwardBatch(ReadOnlySpan<SequenceChunk> chunks, Span<float> logits, Span<float> hidden)
    {
        int total = 0, wanted = 0, hiddenWanted = 0;
        var seen = new HashSet<int>();
        foreach (var chunk in chunks)
        {
            if ((uint)chunk.Sequence >= (uint)Sequences)
                throw new ArgumentOutOfRangeException(nameof(chunks), chunk.Sequence, $"sequence must be between 0 and {Sequences - 1}");
            if (!seen.Add(chunk.Sequence)) throw new ArgumentException($"sequence {chunk.Sequence} appears twice in one step", nameof(chunks));
            if (chunk.Tokens.IsEmpty) throw new ArgumentException($"sequence {chunk.Sequence} has no tokens in this step", nameof(chunks));
            int end = _lengths[chunk.Sequence] + chunk.Tokens.Length;
            if (end > ContextLength) throw new ContextOverflowException(end, ContextLength);
            CheckVocabulary(chunk.Tokens.Span);
            if (chunk.TopK < 0) throw new ArgumentOutOfRangeException(nameof(chunks), chunk.TopK, $"sequence {chunk.Sequence}: top-k must be 0 (every logit) or positive");
            CheckVocabulary(chunk.AlwaysExact.Span); // as ForwardTop: ids the backend indexes the output rows with
            total += chunk.Tokens.Length;
            wanted += chunk.LogitRows;
            hiddenWanted += chunk.HiddenRows;
        }
        if (total == 0) throw new ArgumentException("no tokens to run", nameof(chunks));
        if (total > MaxBatch) throw new ArgumentException($"a step holds at most {MaxBatch} tokens (--batch-size), got {total}", nameof(chunks));
        if (logits.Length < wanted * VocabSize)
            throw new ArgumentException($"logits needs {wanted * VocabSize} floats, got {logits.Length}", nameof(logits));
        if (hidden.Length < (long)hiddenWanted * EmbeddingLength)
            throw new ArgumentException($"hidden needs {(long)hiddenWanted * EmbeddingLength} floats, got {hidden.Length}", nameof(hidden));

        var tokens = new int[total];
        var sequences = new int[total];
        var positions = new int[total];
        var logitRows = new int[wanted];
        var screens = new LogitScreen[wanted];
        var hiddenRows = new int[hiddenWanted];
        int t = 0, row = 0, hiddenRow = 0;
        foreach (var chunk in chunks)
        {
            var span = chunk.Tokens.Span;
            for (int i = 0; i < span.Length; i++, t++)
            {
                tokens[t] = span[i];
                sequences[t] = chunk.Sequence;
                positions[t] = _lengths[chunk.Sequence] + i;
                if (chunk.HiddenStates) hiddenRows[hiddenRow++] = t;
                if (chunk.EveryToken)
                {
                    screens[row] = new LogitScreen(0, ReadOnlyMemory<int>.Empty);
                    logitRows[row++] = t;
                }
            }
            if (chunk.WantsLogits && !chunk.EveryToken)
            {
                screens[row] = new LogitScreen(chunk.TopK, chunk.AlwaysExact);
                logitRows[row++] = t - 1;
            }
        }
        Step(new StepTokens(tokens, sequences, positions), logitRows, logits, screens, hiddenRows, hidden);
    }

    /// <summary>What one logit row's sampler needs: its k largest (0: every logit) and the tokens it adjusts.</summary>
    readonly record struct LogitScreen(int TopK, ReadOnlyMemory<int> AlwaysExact);

    void CheckVocabulary(ReadOnlySpan<int> tokens)
    {
        foreach (int token in tokens)
            if ((uint)token >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"token id out of range (vocabulary has {VocabSize})");
    }

    /// <summary>
    /// Whether a step of a shape seen before replays the backend's recording of it (where the backend can:
    /// <see cref="IStepReplay"/>) instead of issuing every operation again. On by default; off, every step issues its
    /// operations. Steps never replay while <see cref="Inspect"/> is set, since it watches the operations one by one.
    /// </summary>
    public bool ReplaySteps { get; set; } = true;

    /// <summary>Steps that replayed the backend's recording instead of issuing their operations.</summary>
    public int ReplayedSteps { get; private set; }

    const int RememberedShapes = 64;   // shapes whose output read fraction the graph keeps for replayed steps
    static long s_graphs;
    readonly long _graphId = Interlocked.Increment(ref s_graphs);   // a recording binds this graph's buffers only
    readonly Dictionary<StepShape, double> _recordedShapes = [];   // shape → its output read fraction

    /// <summary>
    /// One batch: every layer, then the logits of the tokens in <paramref name="logitRows"/> (ascending), each row screened
    /// as its <paramref name="screens"/> entry allows, and the final hidden states of the tokens in
    /// <paramref name="hiddenRows"/> (ascending). A shape recorded before replays; the outputs are read either way.
    /// </summary>
    void Step(StepTokens step, int[] logitRows, Span<float> logits, LogitScreen[] screens, int[] hiddenRows, Span<float> hidden)
    {
        int n = step.Count;
        bool normed = hiddenRows.Length > 0;
        _backend.BeginStep(step);
        var replay = ReplaySteps && Inspect is null ? _backend as IStepReplay : null;
        var shape = replay is null ? null : ShapeOf(n, logitRows, screens, normed);
        if (shape is not null && _recordedShapes.TryGetValue(shape, out double fraction) && replay!.TryReplay(shape))
        {
            ReplayedSteps++;
            if (logitRows.Length > 0) LastOutputReadFraction = fraction;
        }
        else if (shape is not null)
        {
            replay!.BeginRecord(shape);
            Issue(n, logitRows, screens, normed);
            replay.EndRecord();
            if (_recordedShapes.Count >= RememberedShapes) _recordedShapes.Clear();
            _recordedShapes[shape] = LastOutputReadFraction;
        }
        else
            Issue(n, logitRows, screens, normed);
        for (int t = 0; t < n; t++) _lengths[step.Sequences[t]] = Math.Max(_lengths[step.Sequences[t]], step.Positions[t] + 1);

        int m = logitRows.Length;
        if (m == 1) _backend.Read(_activations.Logits, 1, logits[..VocabSize]);
        else if (m > 1) _backend.Read(_activations.AllLogits, m, logits[..(m * VocabSize)]);
        if (normed) ReadHidden(n, hiddenRows, hidden);
    }

    float[] _hiddenScratch = [];   // the step's normed rows, read back whole, for the hidden states asked for

    // H holds the output norm of every token of the step (nothing after the norm writes it): read it, keep the asked rows.
    void ReadHidden(int tokenCount, int[] hiddenRows, Span<float> hidden)
    {
        int width = EmbeddingLength;
        if (_hiddenScratch.Length < tokenCount * width) _hiddenScratch = new float[tokenCount * width];
        _backend.Read(_activations.H, tokenCount, _hiddenScratch.AsSpan(0, tokenCount * width));
        for (int i = 0; i < hiddenRows.Length; i++)
            _hiddenScratch.AsSpan(hiddenRows[i] * width, width).CopyTo(hidden.Slice(i * width, width));
    }

    // Everything Issue's operations depend on besides the buffers' contents.
    StepShape ShapeOf(int tokenCount, int[] logitRows, LogitScreen[] screens, bool normed)
    {
        var values = new List<long> { _graphId, tokenCount, logitRows.Length, normed ? 1 : 0 };
        foreach (int row in logitRows) values.Add(row);
        foreach (var (topK, alwaysExact) in screens)
        {
            values.Add(topK);
            values.Add(alwaysExact.Length);
            foreach (int token in alwaysExact.Span) values.Add(token);
        }
        return new StepShape(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
    }

    // The step's operations, up to the logits it needs (one row into Logits, several into AllLogits); the output norm
    // into H also when no logit is needed but the hidden states are (normed).
    void Issue(int n, int[] logitRows, LogitScreen[] screens, bool normed)
    {
        var b = _backend;
        var a = _activations;
        b.Embed(_weights.TokenEmbedding, a.X, n);
        for (int layer = 0; layer < _hp.BlockCount; layer++)
        {
            Attention(layer, n);
            FeedForward(layer, n);
        }
        if (Fused && _hp.BlockCount > 0) b.Add(a.X, a.H, n);   // the last layer's residual, held back for a next layer that does not come

        if (logitRows.Length == 0 && !normed) return;
        b.RmsNorm(a.X, _weights.OutputNorm, a.H, n, _hp.RmsNormEpsilon);
        Named("result_norm", -1, a.H, n);
        if (logitRows.Length == 0) return;
        LastOutputReadFraction = 1;
        if (logitRows.Length == 1)
        {
            b.CopyRow(a.H, logitRows[0], a.LastHidden);
            var (topK, alwaysExact) = screens[0];
            if (topK > 0)
                LastOutputReadFraction = (double)b.DenseMatMulTop(_weights.Output, a.LastHidden, a.Logits, topK, alwaysExact.Span) / _weights.Output.ByteSize;
            else
                b.DenseMatMul(_weights.Output, a.LastHidden, a.Logits, 1);
            Named("result_output", -1, a.Logits, 1);
            return;
        }
        int m = logitRows.Length;
        var hidden = a.H;
        if (m != n) // gather the rows whose logits are needed, so the projection reads its weights once for just those
        {
            hidden = a.Selected;
            for (int i = 0; i < m; i++) b.CopyRow(a.H, logitRows[i], hidden, i);
        }
        if (screens.All(s => s.TopK > 0))
        {
            long bytes = b.DenseMatMulTopRows(_weights.Output, hidden, a.AllLogits, m, screens.Select(s => s.TopK).ToArray(),
                                              screens.Select(s => s.AlwaysExact).ToArray());
            LastOutputReadFraction = (double)bytes / _weights.Output.ByteSize;
        }
        else
            b.DenseMatMul(_weights.Output, hidden, a.AllLogits, m);
        Named("result_output", -1, a.AllLogits, m);
    }

    /// <summary>
    /// Whether the step issues the backend's fused operations (<see cref="IComputeBackend.AddNormQuantize"/>,
    /// <see cref="IComputeBackend.SelfAttention"/>, <see cref="IComputeBackend.GateNormQuantize"/>): whenever nothing
    /// inspects the tensors, since a fused operation leaves some of them unwritten. Fused, each residual add is held back
    /// and done by the next norm (the last one after the layers): x holds the layer input plus H until then.
    /// </summary>
    bool Fused => Inspect is null;

    AttentionShape LayerAttention => new(_hp.HeadCount, _hp.KeyValueHeadCount, _hp.HeadDim, _hp.RopeDimensions, _hp.RopeFreqBase, _model.Architecture.Rope);

    // x += o_proj(attn_sub_norm(attention(rope(q), rope(k), v)))  with q,k,v = projections of attn_norm(x)
    void Attention(int layer, int n)
    {
        var b = _backend;
        var a = _activations;
        var w = _weights.Layers[layer];
        if (Fused)   // the previous layer's x += ffn_down, then attn_norm and its quantization
            b.AddNormQuantize(a.X, layer > 0 ? a.H : null, w.AttentionNorm, a.H, a.HiddenQuantized, n, _hp.RmsNormEpsilon);
        else
        {
            b.RmsNorm(a.X, w.AttentionNorm, a.H, n, _hp.RmsNormEpsilon);
            Named("attn_norm", layer, a.H, n);
            b.QuantizeActivations(a.H, a.HiddenQuantized, n);
        }
        b.TernaryMatMuls(a.HiddenQuantized, n, [(w.Query, a.Q), (w.Key, a.K), (w.Value, a.V)]);
        Named("Vcur", layer, a.V, n);
        if (Fused)   // rope, KV store, attention, attn_sub_norm and its quantization
            b.SelfAttention(a.Q, a.K, a.V, _cache, layer, LayerAttention, a.AttentionOut, w.AttentionSubNorm, a.AttentionQuantized, n, _hp.RmsNormEpsilon);
        else
        {
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
        }
        b.TernaryMatMul(w.AttentionOutput, a.AttentionQuantized, a.H, n);
        Named("attn_o_out", layer, a.H, n);
        if (Fused) return;   // x += attn_o_out is the feed-forward's first operation
        b.Add(a.X, a.H, n);
        Named("ffn_inp", layer, a.X, n);
    }

    // x += down(ffn_sub_norm(act(gate(h)) * up(h)))  with h = ffn_norm(x)
    void FeedForward(int layer, int n)
    {
        var b = _backend;
        var a = _activations;
        var w = _weights.Layers[layer];
        if (Fused)   // x += attn_o_out, then ffn_norm and its quantization
            b.AddNormQuantize(a.X, a.H, w.FeedForwardNorm, a.H, a.HiddenQuantized, n, _hp.RmsNormEpsilon);
        else
        {
            b.RmsNorm(a.X, w.FeedForwardNorm, a.H, n, _hp.RmsNormEpsilon);
            Named("ffn_norm", layer, a.H, n);
            b.QuantizeActivations(a.H, a.HiddenQuantized, n);
        }
        b.TernaryMatMuls(a.HiddenQuantized, n, [(w.Gate, a.Gate), (w.Up, a.Up)]);
        Named("ffn_gate", layer, a.Gate, n);
        Named("ffn_up", layer, a.Up, n);
        if (Fused)
            b.GateNormQuantize(a.Gate, a.Up, _model.Architecture.Activation, w.FeedForwardSubNorm, a.FeedForwardQuantized, n, _hp.RmsNormEpsilon);
        else
        {
            b.GateActivation(a.Gate, a.Up, n, _model.Architecture.Activation);
            Named("ffn_out", layer, a.Gate, n);
            if (w.FeedForwardSubNorm is not null)
            {
                b.RmsNorm(a.Gate, w.FeedForwardSubNorm, a.Gate, n, _hp.RmsNormEpsilon);
                Named("ffn_sub_norm", layer, a.Gate, n);
            }
            b.QuantizeActivations(a.Gate, a.FeedForwardQuantized, n);
        }
        b.TernaryMatMul(w.Down, a.FeedForwardQuantized, a.H, n);
        Named("ffn_down", layer, a.H, n);
        if (Fused) return;   // x += ffn_down is the next layer's first operation (or follows the last layer)
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
