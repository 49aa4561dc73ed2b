using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>
/// One request inside the scheduler: its prompt, sampler, stop strings and streaming decoder, how far its prompt has run,
/// and the channel its text goes out on. Only the scheduler's loop touches it after it is queued, except
/// <see cref="Cancel"/>, which any thread may call.
/// </summary>
internal sealed class ScheduledRequest
{
    readonly Channel<GenerationPiece> _pieces = Channel.CreateUnbounded<GenerationPiece>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    readonly TaskCompletionSource<GenerationStats> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Tokenizer _tokenizer;
    readonly StreamingDecoder _decoder;
    readonly StopStringDetector _stops;
    readonly List<int> _history; // prompt and generated tokens, for the repetition penalties
    readonly List<int> _adjusted = [];
    readonly JsonConstraint? _json;                   // null unless the request is in JSON mode or held to a grammar
    readonly TokenLogprobReader? _logprobs;          // null unless the request asked for log-probabilities
    readonly List<TokenLogprob> _pendingLogprobs = []; // of the tokens since the last piece
    readonly TokenLogprobReader? _promptLogprobs;     // null unless the request asked for the prompt's log-probabilities
    readonly List<TokenLogprob> _promptEntries = [];
    readonly Stopwatch _clock = new();
    TimeSpan _promptTime;
    volatile bool _cancelled;

    /// <param name="pool">For an embedding: where the prompt's hidden states are pooled; the request then generates nothing
    /// and ends when its prompt has run. Null for a generation.</param>
    public ScheduledRequest(IReadOnlyList<int> prompt, GenerationRequest request, Tokenizer tokenizer, int vocabSize, CancellationToken cancel,
                            HiddenStatePool? pool = null)
    {
        Prompt = prompt.ToArray();
        Pool = pool;
        Request = request;
        if (request.JsonSchema is { } schema) _json = JsonConstraint.ForSchema(tokenizer, schema);
        else if (request.JsonObject) _json = JsonConstraint.ForAnyObject(tokenizer);
        else if (request.Grammar is { } grammar) _json = JsonConstraint.ForGrammar(tokenizer, grammar);
        _vocabSize = vocabSize;
        if (request.Logprobs is int top) _logprobs = new TokenLogprobReader(top, vocabSize);
        if (request.PromptLogprobs is int promptTop) _promptLogprobs = new TokenLogprobReader(promptTop, vocabSize);
        _tokenizer = tokenizer;
        _decoder = tokenizer.CreateStreamingDecoder(continuesText: true); // the prompt came first
        _stops = new StopStringDetector(request.StopStrings);
        _history = [.. Prompt];
        Cancellation = cancel;
        Stream = new GenerationStream(_pieces.Reader, _completion.Task);
    }

    public int[] Prompt { get; }
    public GenerationRequest Request { get; }
    /// <summary>The request's sampler, made when first used: an embedding never samples, and a sampler holds buffers the
    /// size of the vocabulary.</summary>
    public Sampler Sampler => _sampler ??= new Sampler(Request.Sampling, _vocabSize, _json);
    Sampler? _sampler;
    readonly int _vocabSize;
    public CancellationToken Cancellation { get; }
    public GenerationStream Stream { get; }
    public KvSlot? Slot { get; set; }

    /// <summary>Where an embedding's hidden states are pooled; null for a generation.</summary>
    public HiddenStatePool? Pool { get; }

    /// <summary>True when every prompt position must run (its logits or hidden states are read), so nothing is reused from the cache.</summary>
    public bool RunsWholePrompt => WantsPromptLogprobs || Pool is not null;

    /// <summary>Prompt tokens already in the slot (reused or run).</summary>
    public int Prefilled { get; set; }
    /// <summary>Prompt tokens this request ran itself (not reused from the slot's cache).</summary>
    public int PromptTokensRun { get; set; }
    public bool PromptDone => Prefilled == Prompt.Length;
    /// <summary>The last sampled token, to run in the next step; -1 before the first.</summary>
    public int PendingToken { get; private set; } = -1;
    public int Generated { get; private set; }
    public bool IsCancelled => _cancelled || Cancellation.IsCancellationRequested;

    public void Cancel() => _cancelled = true;

    /// <summary>Wakes the scheduler when the caller's token is cancelled; let go when the request ends, so a long-lived
    /// token does not collect one registration per request. Unregister, not Dispose: Dispose would wait for a running
    /// callback, which waits for the scheduler's lock that the ending request's caller holds.</summary>
    public CancellationTokenRegistration WakeOnCancel { private get; set; }

    public void StartClock() => _clock.Start();

    /// <summary>The top-k screen's arguments for this request's next logits: (k, tokens always exact); k = 0 for all logits
    /// (also when the request wants log-probabilities, whose normalizer sums over every logit).</summary>
    public (int TopK, int[] AlwaysExact) ScreenArguments()
    {
        int topK = Sampler.LargestLogitsUsed;
        if (topK == 0 || Request.FullLogits || _logprobs is not null) return (0, []);
        _adjusted.Clear();
        Sampler.AddAdjustedTokens(PenaltyWindow(), _adjusted);
        return (topK, _adjusted.ToArray());
    }

    ReadOnlySpan<int> PenaltyWindow()
    {
        var all = CollectionsMarshal.AsSpan(_history);
        return all[Math.Max(0, all.Length - Request.Sampling.PenaltyWindow)..];
    }

    /// <summary>
    /// Samples the next token from this request's logits and streams its text. Returns the stop reason when the request
    /// is done ("end of text", "stop string S", "end of JSON", "length", "context full"), else null with
    /// <see cref="PendingToken"/> set.
    /// </summary>
    public string? Advance(ReadOnlySpan<float> logits, int slotLength, int contextLength)
    {
        if (Generated == 0)
        {
            _promptTime = _clock.Elapsed;
            _clock.Restart();
        }
        int bad = LogitScan.FirstNaNOrPositiveInfinity(logits);
        if (bad >= 0) throw new NonFiniteLogitsException(slotLength - 1, bad, logits[bad]);
        int token = Sampler.Sample(logits, PenaltyWindow());
        Generated++;
        _history.Add(token);
        if (_tokenizer.IsEndOfGeneration(token)) return "end of text";
        if (_logprobs is not null) _pendingLogprobs.Add(_logprobs.Read(logits, token));

        var scan = _stops.Push(_decoder.Append(token));
        Write(scan.SafeText);
        if (scan.Stopped) return $"stop string {scan.StopString}";
        if (_json is { IsComplete: true }) return Request.Grammar is not null && Request.JsonSchema is null && !Request.JsonObject ? "end of grammar" : "end of JSON";
        if (Generated == Request.MaxTokens) return "length";
        if (slotLength >= contextLength) return "context full";
        PendingToken = token;
        return null;
    }

    /// <summary>True when every prompt position's logits are wanted (then nothing of the prompt is reused from the cache).</summary>
    public bool WantsPromptLogprobs => _promptLogprobs is not null;

    /// <summary>
    /// Reads the logits of prompt positions <paramref name="firstPosition"/> on (one row each): each predicts the prompt's
    /// next token. Once <paramref name="endsPrompt"/>, the entries go out in a piece of their own, before any text.
    /// </summary>
    public void ReadPromptLogits(ReadOnlySpan<float> rows, int vocabSize, int firstPosition, bool endsPrompt)
    {
        if (firstPosition == 0) _promptEntries.Add(new TokenLogprob(Prompt[0], float.NaN, [])); // nothing comes before it
        for (int row = 0; row * vocabSize < rows.Length; row++)
        {
            int next = firstPosition + row + 1;
            if (next >= Prompt.Length) break;
            var logits = rows.Slice(row * vocabSize, vocabSize);
            int bad = LogitScan.FirstNaNOrPositiveInfinity(logits);
            if (bad >= 0) throw new NonFiniteLogitsException(next - 1, bad, logits[bad]);
            _promptEntries.Add(_promptLogprobs!.Read(logits, Prompt[next]));
        }
        if (endsPrompt) _pieces.Writer.TryWrite(new GenerationPiece("", [], _promptEntries.ToArray()));
    }

    /// <summary>Ends the request with its stats (flushing text a stop string might still have completed).</summary>
    public GenerationStats Finish(string reason)
    {
        // Text held back for a stop string that never came, and the log-probabilities of tokens whose text was held back.
        string rest = _stops.StoppedBy is null ? _stops.Push(_decoder.Flush()).SafeText + _stops.Flush() : "";
        Write(rest);
        var generationTime = Generated == 0 ? TimeSpan.Zero : _clock.Elapsed;
        var promptTime = Generated == 0 ? _clock.Elapsed : _promptTime;
        var stats = new GenerationStats(PromptTokensRun, promptTime, Generated, generationTime, reason);
        WakeOnCancel.Unregister();
        _pieces.Writer.TryComplete();
        _completion.TrySetResult(stats);
        return stats;
    }

    /// <summary>Sends the text, with the log-probabilities of the tokens since the last piece; nothing when both are empty.</summary>
    void Write(string text)
    {
        if (text.Length == 0 && _pendingLogprobs.Count == 0) return;
        _pieces.Writer.TryWrite(new GenerationPiece(text, _pendingLogprobs.Count == 0 ? [] : _pendingLogprobs.ToArray()));
        _pendingLogprobs.Clear();
    }

    public void FinishCancelled()
    {
        WakeOnCancel.Unregister();
        _pieces.Writer.TryComplete();
        _completion.TrySetCanceled(Cancellation.IsCancellationRequested ? Cancellation : new CancellationToken(true));
    }

    public void Fail(Exception error)
    {
        WakeOnCancel.Unregister();
        _pieces.Writer.TryComplete(error);
        _completion.TrySetException(error);
    }
}
