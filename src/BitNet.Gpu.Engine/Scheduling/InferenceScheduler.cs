using System.Diagnostics;
using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>
/// Runs many generation requests at once on one model (continuous batching, as llama.cpp's server slots and vLLM do).
/// Requests wait in a bounded queue; a loop on its own thread admits them into free KV cache slots (one per
/// <see cref="LoadOptions.Parallel"/> sequence), and each step carries the next token of every generating request
/// beside prompt chunks of newly admitted ones, up to the batch size, in one pass over the weights. Each request has its
/// own sampler, stop strings, token limit and seed, and streams its text as it comes. Embeddings run their text's
/// chunks in the same steps and pool its hidden states. A cancelled request frees its slot by the next step. A finished
/// request's tokens stay in its slot: a later request that starts with them (the next turn of a chat) runs only what
/// follows. Safe to call from many threads.
/// <code>using var scheduler = new InferenceScheduler(model);
/// var stream = scheduler.Submit(model.Tokenizer.Encode("Hello"), new GenerationRequest { MaxTokens = 32 });
/// await foreach (var piece in stream.ReadAllAsync()) Console.Write(piece);</code>
/// </summary>
public sealed class InferenceScheduler : IDisposable
{
    readonly LoadedModel _model;
    readonly SchedulerOptions _options;
    readonly KvSlot[] _slots;
    readonly Queue<ScheduledRequest> _queue = new();
    readonly List<ScheduledRequest> _running = [];
    readonly object _gate = new();
    readonly Thread _loop;
    float[] _logits;                       // the step's logit rows; grows for a step that reads a prompt's every position
    float[] _hidden = [];                  // the step's hidden-state rows, for the embeddings in it
    readonly RateWindow _rate = new(TimeSpan.FromSeconds(5));
    bool _stopping;
    long _promptTokens, _generatedTokens, _completed, _embedded, _cancelled, _failed, _steps, _clock;

    public InferenceScheduler(LoadedModel model, SchedulerOptions? options = null)
    {
        _model = model;
        _options = options ?? new SchedulerOptions();
        if (_options.MaxQueuedRequests < 0) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxQueuedRequests, "the queue limit must be zero or more");
        _slots = Enumerable.Range(0, Graph.Sequences).Select(i => new KvSlot(i)).ToArray();
        _logits = new float[Graph.Sequences * Graph.VocabSize];
        _loop = new Thread(Loop) { IsBackground = true, Name = "bitnet-gpu scheduler" };
        _loop.Start();
    }

    TransformerGraph Graph => _model.Graph;

    /// <summary>
    /// Queues a request to generate after <paramref name="prompt"/> and returns its stream at once. Refused before it
    /// queues: a prompt that cannot fit the context (<see cref="ContextOverflowException"/>), an invalid request
    /// (<see cref="ArgumentException"/>), a full queue (<see cref="SchedulerQueueFullException"/>).
    /// </summary>
    public GenerationStream Submit(IReadOnlyList<int> prompt, GenerationRequest request, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(request);
        CheckPrompt(prompt);
        if (request.MaxTokens < 0)
            throw new ArgumentException($"the token limit must be zero or more, got {request.MaxTokens}", nameof(request));
        if (request.Logprobs is < 0 or > TokenLogprob.MaxTop)
            throw new ArgumentException($"the number of most likely tokens to report must be 0 to {TokenLogprob.MaxTop}, got {request.Logprobs}", nameof(request));
        if (request.PromptLogprobs is < 0 or > TokenLogprob.MaxTop)
            throw new ArgumentException($"the number of most likely prompt tokens to report must be 0 to {TokenLogprob.MaxTop}, got {request.PromptLogprobs}", nameof(request));
        request.Sampling.Validate();

        var scheduled = new ScheduledRequest(prompt, request, _model.Tokenizer, Graph.VocabSize, cancel);
        Enqueue(scheduled, cancel);
        return scheduled.Stream;
    }

    /// <summary>
    /// Queues the embedding of <paramref name="tokens"/>: its prompt runs in the scheduler's steps beside generations, and
    /// its final hidden states are pooled into one vector of <see cref="TransformerGraph.EmbeddingLength"/> floats, scaled to
    /// unit length when <paramref name="normalize"/>. Refused at the call as <see cref="Submit"/> refuses a prompt; the task
    /// is cancelled when <paramref name="cancel"/> is.
    /// <code>float[] vector = await scheduler.EmbedAsync(model.Tokenizer.EncodePrompt("Hello"), EmbeddingPooling.Mean, normalize: true);</code>
    /// </summary>
    public Task<float[]> EmbedAsync(IReadOnlyList<int> tokens, EmbeddingPooling pooling, bool normalize, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        CheckPrompt(tokens);
        var pool = new HiddenStatePool(Graph.EmbeddingLength, pooling);
        var scheduled = new ScheduledRequest(tokens, new GenerationRequest { MaxTokens = 0 }, _model.Tokenizer, Graph.VocabSize, cancel, pool);
        Enqueue(scheduled, cancel);
        return Pooled(scheduled.Stream.Completion, pool, normalize);

        static async Task<float[]> Pooled(Task<GenerationStats> done, HiddenStatePool pool, bool normalize)
        {
            await done.ConfigureAwait(false);
            return pool.Result(normalize);
        }
    }

    /// <summary>
    /// The embeddings of several token lists, in order, at most one per slot queued at a time so that a long list leaves
    /// the queue to other requests; <paramref name="embedded"/> hears the count done after each. A list is refused as
    /// <see cref="EmbedAsync"/> refuses it, when its turn comes (check them first to refuse before any runs).
    /// <code>float[][] vectors = await scheduler.EmbedAllAsync([tokensA, tokensB], EmbeddingPooling.Mean, normalize: true);</code>
    /// </summary>
    public async Task<float[][]> EmbedAllAsync(IReadOnlyList<IReadOnlyList<int>> texts, EmbeddingPooling pooling, bool normalize,
                                               CancellationToken cancel = default, Action<int>? embedded = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var vectors = new float[texts.Count][];
        int done = 0;
        await Parallel.ForAsync(0, texts.Count, new ParallelOptions { MaxDegreeOfParallelism = Graph.Sequences, CancellationToken = cancel },
            async (i, token) =>
            {
                vectors[i] = await EmbedAsync(texts[i], pooling, normalize, token).ConfigureAwait(false);
                embedded?.Invoke(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
        return vectors;
    }

    void CheckPrompt(IReadOnlyList<int> prompt)
    {
        if (prompt.Count == 0)
            throw new ArgumentException("the prompt is empty (no tokens)", nameof(prompt));
        if (prompt.Count > Graph.ContextLength)
            throw new ContextOverflowException(prompt.Count, Graph.ContextLength);
        foreach (int token in prompt)
            if ((uint)token >= (uint)Graph.VocabSize)
                throw new ArgumentException($"prompt token {token} is outside the vocabulary (0..{Graph.VocabSize - 1})", nameof(prompt));
    }

    void Enqueue(ScheduledRequest scheduled, CancellationToken cancel)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            // Queued requests take the free slots first; what is left of the queue waits.
            int waitingWithThis = _queue.Count + 1 - FreeSlots();
            if (waitingWithThis > _options.MaxQueuedRequests)
                throw new SchedulerQueueFullException(_options.MaxQueuedRequests);
            // Registered before the loop can see the request, so whichever way it ends lets the registration go.
            if (cancel.CanBeCanceled) scheduled.WakeOnCancel = cancel.Register(Wake);
            _queue.Enqueue(scheduled);
            Monitor.PulseAll(_gate);
        }
    }

    int FreeSlots() => _slots.Count(s => s.Request is null);

    void Wake()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>What the scheduler is doing and has done.</summary>
    public SchedulerCounters Counters
    {
        get
        {
            lock (_gate)
                return new SchedulerCounters(_queue.Count, _running.Count, _slots.Length, _promptTokens, _generatedTokens,
                                             _completed, _cancelled, _failed, _steps, _rate.PerSecond(), _embedded);
        }
    }

    /// <summary>Each slot's state, in slot order.</summary>
    public IReadOnlyList<SlotState> Slots
    {
        get
        {
            lock (_gate)
                return [.. _slots.Select(s => new SlotState(s.Index, s.Request is not null, s.Cached.Count,
                                                            s.Request?.Prompt.Length ?? 0, s.Request?.Generated ?? 0))];
        }
    }

    /// <summary>Empties every free slot's cached tokens (a new conversation: nothing is reused).</summary>
    public void ForgetCachedPrompts()
    {
        lock (_gate)
            foreach (var slot in _slots.Where(s => s.Request is null)) slot.Cached.Clear();
    }

    /// <summary>The tokens slot <paramref name="index"/> holds in the KV cache (a copy).</summary>
    public int[] CachedTokens(int index)
    {
        lock (_gate) return [.. _slots[index].Cached];
    }

    // ---- the loop ----

    void Loop()
    {
        while (true)
        {
            lock (_gate)
            {
                while (!_stopping && _queue.Count == 0 && _running.Count == 0) Monitor.Wait(_gate);
                if (_stopping) break;
                DropCancelled();
                Admit();
            }
            if (_running.Count == 0) continue;
            try
            {
                RunStep();
            }
            catch (Exception error)
            {
                lock (_gate) FailRunning(error);
            }
        }
        lock (_gate)
        {
            foreach (var request in _running.Concat(_queue)) request.FinishCancelled();
            _running.Clear();
            _queue.Clear();
        }
    }

    void DropCancelled()
    {
        for (int waiting = _queue.Count; waiting > 0; waiting--) // one pass, the order kept (Submit waits for the gate)
        {
            var request = _queue.Dequeue();
            if (!request.IsCancelled)
            {
                _queue.Enqueue(request);
                continue;
            }
            request.FinishCancelled();
            _cancelled++;
        }
        foreach (var request in _running.Where(r => r.IsCancelled).ToList())
        {
            Release(request);
            request.FinishCancelled();
            _cancelled++;
        }
    }

    /// <summary>Gives queued requests free slots: the slot whose cached tokens share the longest prefix with the prompt,
    /// else the one idle longest.</summary>
    void Admit()
    {
        while (_queue.Count > 0 && _slots.FirstOrDefault(s => s.Request is null) is not null)
        {
            var request = _queue.Dequeue();
            var (slot, reused) = _slots.Where(s => s.Request is null)
                                       .Select(s => (Slot: s, Reused: request.RunsWholePrompt ? 0 : s.CommonPrefix(request.Prompt)))
                                       .OrderByDescending(c => c.Reused)
                                       .ThenBy(c => c.Slot.LastUsed)
                                       .First();
            slot.Cached.RemoveRange(reused, slot.Cached.Count - reused);
            Graph.TruncateSequence(slot.Index, reused);
            slot.Request = request;
            request.Slot = slot;
            request.Prefilled = reused;
            request.StartClock();
            _running.Add(request);
        }
    }

    void Release(ScheduledRequest request)
    {
        _running.Remove(request);
        if (request.Slot is { } slot)
        {
            slot.Request = null;
            slot.LastUsed = ++_clock;
        }
    }

    void FailRunning(Exception error)
    {
        foreach (var request in _running.ToList())
        {
            Release(request);
            // The slot's cache may hold half a step: forget it.
            request.Slot!.Cached.Clear();
            Graph.TruncateSequence(request.Slot.Index, 0);
            request.Fail(error);
            _failed++;
        }
    }

    /// <summary>The chunk with its request's top-k screen: only the output rows its sampler can use are read exactly.</summary>
    static SequenceChunk Screened(SequenceChunk chunk, ScheduledRequest request)
    {
        var (topK, alwaysExact) = request.ScreenArguments();
        return chunk with { TopK = topK, AlwaysExact = alwaysExact };
    }

    /// <summary>
    /// A chunk's rows in the step's logits: its request, the first row and how many, the prompt position of the first
    /// row when the rows are read for prompt log-probabilities, and whether the last row is sampled.
    /// </summary>
    readonly record struct ChunkRows(ScheduledRequest Request, int First, int Count, int FirstPosition, bool ReadsPrompt, bool Samples);

    /// <summary>One forward step: every generating request's next token first, then prompt chunks up to the batch size.</summary>
    void RunStep()
    {
        var chunks = new List<SequenceChunk>();
        var owners = new List<ScheduledRequest>();      // the request of each chunk
        var rows = new List<ChunkRows>();
        int budget = Graph.MaxBatch, promptTokens = 0, rowCount = 0, hiddenRows = 0;
        foreach (var request in _running.Where(r => r.PromptDone && r.PendingToken >= 0))
        {
            chunks.Add(Screened(new SequenceChunk(request.Slot!.Index, new[] { request.PendingToken }, WantsLogits: true), request));
            owners.Add(request);
            rows.Add(new ChunkRows(request, rowCount++, 1, 0, ReadsPrompt: false, Samples: true));
            budget--;
        }
        foreach (var request in _running.Where(r => !r.PromptDone))
        {
            if (budget == 0) break;
            int take = Math.Min(budget, request.Prompt.Length - request.Prefilled);
            bool ends = request.Prefilled + take == request.Prompt.Length;
            bool everyToken = request.WantsPromptLogprobs, embeds = request.Pool is not null;
            var chunk = new SequenceChunk(request.Slot!.Index, request.Prompt.AsMemory(request.Prefilled, take), ends && !embeds)
            {
                EveryToken = everyToken,
                HiddenStates = embeds,
            };
            chunks.Add(chunk.WantsLogits && !everyToken ? Screened(chunk, request) : chunk);
            hiddenRows += chunk.HiddenRows;
            owners.Add(request);
            if (chunk.LogitRows > 0)
            {
                rows.Add(new ChunkRows(request, rowCount, chunk.LogitRows, request.Prefilled, everyToken, Samples: ends));
                rowCount += chunk.LogitRows;
            }
            budget -= take;
            promptTokens += take;
        }
        if (chunks.Count == 0) return;

        int vocab = Graph.VocabSize;
        if (_logits.Length < rowCount * vocab) _logits = new float[rowCount * vocab];
        int width = Graph.EmbeddingLength;
        if (_hidden.Length < hiddenRows * width) _hidden = new float[hiddenRows * width];
        Graph.ForwardBatch(chunks.ToArray(), _logits, _hidden);

        lock (_gate)
        {
            _steps++;
            _promptTokens += promptTokens;
            int hiddenRow = 0;
            for (int c = 0; c < chunks.Count; c++)
            {
                var (chunk, owner) = (chunks[c], owners[c]);
                owner.Slot!.Cached.AddRange(chunk.Tokens.Span);
                if (!owner.PromptDone)
                {
                    owner.Prefilled += chunk.Tokens.Length;
                    owner.PromptTokensRun += chunk.Tokens.Length;
                }
                if (owner.Pool is { } pool)
                {
                    pool.Add(_hidden.AsSpan(hiddenRow * width, chunk.HiddenRows * width));
                    hiddenRow += chunk.HiddenRows;
                    if (owner.PromptDone && !owner.IsCancelled)
                    {
                        Release(owner);
                        owner.Finish("embedded");
                        _embedded++;
                    }
                }
            }
            int generated = 0;
            foreach (var (request, first, count, firstPosition, readsPrompt, samples) in rows)
            {
                if (request.IsCancelled) continue; // dropped before the next step
                var logits = _logits.AsSpan(first * vocab, count * vocab);
                string? reason;
                try
                {
                    if (readsPrompt) request.ReadPromptLogits(logits, vocab, firstPosition, endsPrompt: samples);
                    if (!samples) continue;
                    if (request.Request.MaxTokens == 0)
                    {
                        Complete(request, "length");
                        continue;
                    }
                    reason = request.Advance(logits[^vocab..], Graph.SequenceLength(request.Slot!.Index), Graph.ContextLength);
                }
                catch (Exception error) // this request's logits or sampler failed: it ends, the others go on
                {
                    Release(request);
                    request.Fail(error);
                    _failed++;
                    continue;
                }
                generated++;
                if (reason is not null) Complete(request, reason);
            }
            _generatedTokens += generated;
            _rate.Add(generated);
        }
    }

    void Complete(ScheduledRequest request, string reason)
    {
        Release(request);
        request.Finish(reason);
        _completed++;
    }

    /// <summary>Stops the loop: requests still queued or running are cancelled.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping) return;
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        _loop.Join();
    }

    /// <summary>Events per second over a sliding window.</summary>
    sealed class RateWindow(TimeSpan window)
    {
        readonly Queue<(long Ticks, int Count)> _events = new();
        readonly Stopwatch _clock = Stopwatch.StartNew();

        public void Add(int count)
        {
            if (count == 0) return;
            _events.Enqueue((_clock.ElapsedTicks, count));
            Trim();
        }

        public double PerSecond()
        {
            Trim();
            if (_events.Count < 2) return 0;
            double seconds = (double)(_clock.ElapsedTicks - _events.Peek().Ticks) / Stopwatch.Frequency;
            return seconds <= 0 ? 0 : (_events.Sum(e => e.Count) - _events.Peek().Count) / seconds;
        }

        void Trim()
        {
            long oldest = _clock.ElapsedTicks - (long)(window.TotalSeconds * Stopwatch.Frequency);
            while (_events.Count > 0 && _events.Peek().Ticks < oldest) _events.Dequeue();
        }
    }
}
