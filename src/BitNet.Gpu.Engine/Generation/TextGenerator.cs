using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Engine.Scheduling;

namespace BitNet.Gpu.Engine.Generation;

/// <summary>What to generate after a prompt.</summary>
public sealed record GenerationRequest
{
    /// <summary>-n: the most tokens to generate.</summary>
    public int MaxTokens { get; init; } = 128;
    public SamplerOptions Sampling { get; init; } = new();
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>
    /// Compute every logit, even those the sampler cannot pick (see <see cref="Graph.TransformerGraph.ForwardTop"/>): the
    /// tokens are the same either way, only slower. For comparisons.
    /// </summary>
    public bool FullLogits { get; init; }
    /// <summary>
    /// Report each generated token's log-probability with this many of the step's most likely tokens (0 to
    /// <see cref="TokenLogprob.MaxTop"/>), or null for none. The logits are then all computed (as with
    /// <see cref="FullLogits"/>), which costs the top-k screen's saving. See <see cref="GenerationPiece.Logprobs"/>.
    /// </summary>
    public int? Logprobs { get; init; }
    /// <summary>
    /// Report the log-probability of every prompt token (given the tokens before it; none for the first) with this many of
    /// each position's most likely tokens (0 to <see cref="TokenLogprob.MaxTop"/>), or null for none: the first piece of
    /// the stream carries them (<see cref="GenerationPiece.PromptLogprobs"/>). The whole prompt is then run, none of it
    /// reused from the KV cache, with every position's logits computed.
    /// </summary>
    public int? PromptLogprobs { get; init; }
    /// <summary>
    /// JSON mode: the text is held to one JSON object (tokens that would break it are never drawn), and generation ends
    /// with stop reason "end of JSON" as soon as the object closes. The logits are then all computed.
    /// </summary>
    public bool JsonObject { get; init; }
    /// <summary>
    /// Structured output: as <see cref="JsonObject"/>, and the object must also satisfy this schema (see
    /// <see cref="CompiledJsonSchema"/> for the keywords held). Implies JSON mode.
    /// </summary>
    public CompiledJsonSchema? JsonSchema { get; init; }
    /// <summary>
    /// Text held to a GBNF grammar (see <see cref="CompiledGrammar"/>): tokens that would take the text off it are never
    /// drawn, the end of generation comes only where its root can end, and generation ends with stop reason "end of
    /// grammar" once nothing more can follow. Not with JSON mode. The logits are then all computed.
    /// </summary>
    public CompiledGrammar? Grammar { get; init; }
}

/// <summary>
/// One conversation at a time, for the command line (run, chat): each call hands the whole token sequence (for chat, the
/// whole conversation) to an <see cref="InferenceScheduler"/> and passes the text back as it comes. The scheduler
/// processes the prompt in batches, samples on the host, decodes as a stream and stops on an end-of-generation token, a
/// stop string, the token limit or the end of the context; the part of the sequence already in the KV cache is reused.
/// </summary>
public sealed class TextGenerator : IDisposable
{
    readonly InferenceScheduler _scheduler;

    public TextGenerator(LoadedModel model) => _scheduler = new InferenceScheduler(model);

    /// <summary>Forgets the conversation: nothing cached is reused by the next call.</summary>
    public void Reset() => _scheduler.ForgetCachedPrompts();

    /// <summary>The tokens currently held in the KV cache.</summary>
    public IReadOnlyList<int> CachedTokens => _scheduler.CachedTokens(0);

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
        var stream = _scheduler.Submit(prompt, request, cancel);
        while (stream.TryReadNext(out var piece)) onText(piece);
        return stream.Completion.GetAwaiter().GetResult();
    }

    public void Dispose() => _scheduler.Dispose();
}
