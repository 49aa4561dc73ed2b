using System.Diagnostics;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Engine.Generation;

/// <summary>What to generate after a prompt.</summary>
public sealed record GenerationRequest
{
    /// <summary>-n: the most tokens to generate.</summary>
    public int MaxTokens { get; init; } = 128;
    public SamplerOptions Sampling { get; init; } = new();
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>
    /// Compute every logit, even those the sampler cannot pick (see <see cref="TransformerGraph.ForwardTop"/>): the tokens
    /// are the same either way, only slower. For comparisons.
    /// </summary>
    public bool FullLogits { get; init; }
}

/// <summary>
/// The generation loop: process the prompt in batches, then sample a token on the host, run it through the graph
/// (one synchronization per token), decode it as a stream and stop on an end-of-generation token, a stop string,
/// the token limit or the end of the context. The KV cache carries over between calls: each call gets the whole
/// token sequence (for chat, the whole conversation) and only the part after what is already cached is processed.
/// </summary>
public sealed class TextGenerator
{
    readonly LoadedModel _model;
    readonly float[] _logits;
    readonly List<int> _cached = new();   // the tokens whose keys and values are in the KV cache, in order
    readonly List<int> _recent = new();   // prompt and generated tokens, for the repetition penalties
    readonly List<int> _adjusted = new(); // tokens whose logits the sampler adjusts: always computed exactly

    public TextGenerator(LoadedModel model)
    {
        _model = model;
        _logits = new float[model.Graph.VocabSize];
    }

    TransformerGraph Graph => _model.Graph;

    /// <summary>Forgets the conversation: empties the KV cache and the penalty history.</summary>
    public void Reset()
    {
        Graph.Reset();
        _cached.Clear();
        _recent.Clear();
    }

    /// <summary>The tokens currently held in the KV cache.</summary>
    public IReadOnlyList<int> CachedTokens => _cached;

    /// <summary>
    /// Generates after <paramref name="prompt"/> (the whole sequence so far; a prefix already in the KV cache is
    /// reused), passing each piece of text to <paramref name="onText"/> as soon as it is complete (never half a
    /// UTF-8 character or half a stop string).
    /// </summary>
    public GenerationStats Generate(IReadOnlyList<int> prompt, GenerationRequest request, Action<string> onText,
                                    CancellationToken cancel = default)
    {
        if (request.MaxTokens < 0)
            throw new ArgumentException($"-n must be zero or more, got {request.MaxTokens}", nameof(request));
        if (prompt.Count == 0)
            throw new ArgumentException("the prompt is empty (no tokens)", nameof(prompt));
        if (prompt.Count > Graph.ContextLength)
            throw new ContextOverflowException(prompt.Count, Graph.ContextLength);

        var sampler = new Sampler(request.Sampling, Graph.VocabSize);
        var decoder = _model.Tokenizer.CreateStreamingDecoder(continuesText: true); // the prompt came first
        var stops = new StopStringDetector(request.StopStrings);

        var clock = Stopwatch.StartNew();
        var newTokens = ReuseCachedPrefix(prompt);
        _recent.AddRange(newTokens);
        Forward(newTokens, sampler, request);
        _cached.AddRange(newTokens);
        var promptTime = clock.Elapsed;

        clock.Restart();
        int generated = 0;
        string reason = "length";
        while (generated < request.MaxTokens)
        {
            cancel.ThrowIfCancellationRequested();
            RequireFiniteLogits();
            int token = sampler.Sample(_logits, PenaltyWindow(request.Sampling.PenaltyWindow));
            generated++;
            _recent.Add(token);
            if (_model.Tokenizer.IsEndOfGeneration(token)) { reason = "end of text"; break; }

            var scan = stops.Push(decoder.Append(token));
            if (scan.SafeText.Length > 0) onText(scan.SafeText);
            if (scan.Stopped) { reason = $"stop string {scan.StopString}"; break; }
            if (generated == request.MaxTokens) break;
            if (Graph.Position >= Graph.ContextLength) { reason = "context full"; break; }
            Forward([token], sampler, request);
            _cached.Add(token);
        }
        if (stops.StoppedBy is null)
        {
            var rest = stops.Push(decoder.Flush()).SafeText + stops.Flush();
            if (rest.Length > 0) onText(rest);
        }
        return new GenerationStats(newTokens.Length, promptTime, generated, clock.Elapsed, reason);
    }

    /// <summary>Stops with a <see cref="NonFiniteLogitsException"/> when the last step's logits include NaN or +infinity.</summary>
    void RequireFiniteLogits()
    {
        int bad = LogitScan.FirstNaNOrPositiveInfinity(_logits);
        if (bad >= 0) throw new NonFiniteLogitsException(Graph.Position - 1, bad, _logits[bad]);
    }

    /// <summary>
    /// Runs tokens through the graph into the logits; when the sampler only looks at the largest few, only those (and the
    /// ones it adjusts) are computed exactly, which skips most of the output projection on backends that can.
    /// </summary>
    void Forward(int[] tokens, Sampler sampler, GenerationRequest request)
    {
        int topK = sampler.LargestLogitsUsed;
        if (topK == 0 || request.FullLogits)
        {
            Graph.Forward(tokens, _logits);
            return;
        }
        _adjusted.Clear();
        sampler.AddAdjustedTokens(PenaltyWindow(request.Sampling.PenaltyWindow), _adjusted);
        Graph.ForwardTop(tokens, _logits, topK, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_adjusted));
    }

    /// <summary>Keeps the longest cached prefix of <paramref name="prompt"/> (leaving at least one token to run) and returns the rest.</summary>
    int[] ReuseCachedPrefix(IReadOnlyList<int> prompt)
    {
        int common = 0;
        while (common < _cached.Count && common < prompt.Count - 1 && _cached[common] == prompt[common]) common++;
        _cached.RemoveRange(common, _cached.Count - common);
        Graph.Truncate(common);
        if (common == 0) _recent.Clear();
        return prompt.Skip(common).ToArray();
    }

    ReadOnlySpan<int> PenaltyWindow(int window)
    {
        var all = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_recent);
        return all[Math.Max(0, all.Length - window)..];
    }
}
