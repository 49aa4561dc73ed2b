using BitNet.Gpu.Engine.Sampling;
using System.Runtime.CompilerServices;
using BitNet.Gpu.Engine.Scheduling;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu;

/// <summary>
/// A running completion: its text piece by piece, then its <see cref="CompletionStats"/> (what a server needs to stream
/// text and still report usage and finish_reason). Leaving <see cref="ReadAllAsync"/> before the end, or
/// <see cref="Cancel"/>, stops the generation and frees its slot.
/// <code>var stream = model.StartCompletion(model.Tokenize("Hello", addBos: true, parseSpecial: false), options);
/// await foreach (var piece in stream.ReadAllAsync()) Console.Write(piece);
/// var stats = await stream.Completion;</code>
/// </summary>
public sealed class CompletionStream
{
    readonly GenerationStream _inner;
    readonly CancellationTokenSource _stop;
    readonly Tokenizer _tokenizer;

    internal CompletionStream(GenerationStream inner, CancellationTokenSource stop, int promptTokens, Tokenizer tokenizer)
    {
        _inner = inner;
        _stop = stop;
        _tokenizer = tokenizer;
        PromptTokens = promptTokens;
        Completion = Finish(inner.Completion, promptTokens);
    }

    /// <summary>Tokens in the prompt.</summary>
    public int PromptTokens { get; }

    /// <summary>The stats once the completion ends; cancelled (<see cref="OperationCanceledException"/>) when it was
    /// cancelled, faulted when the engine failed.</summary>
    public Task<CompletionStats> Completion { get; }

    /// <summary>The text pieces in order (never half a UTF-8 character or half a stop string); ends with the completion.
    /// Breaking out of the loop early, or cancelling <paramref name="cancel"/>, cancels the completion. Read the
    /// completion this way or with <see cref="ReadPiecesAsync"/>, not both.</summary>
    public async IAsyncEnumerable<string> ReadAllAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        await foreach (var piece in ReadPiecesAsync(cancel).ConfigureAwait(false))
            if (piece.Text.Length > 0) yield return piece.Text;
    }

    /// <summary>As <see cref="ReadAllAsync"/>, each piece with its tokens' log-probabilities when
    /// <see cref="CompletionOptions.Logprobs"/> asked for them.</summary>
    public async IAsyncEnumerable<CompletionPiece> ReadPiecesAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        bool finished = false;
        try
        {
            await foreach (var piece in _inner.ReadPiecesAsync(cancel).ConfigureAwait(false))
            {
                cancel.ThrowIfCancellationRequested(); // pieces already waiting do not outrun a cancellation
                yield return new CompletionPiece(piece.Text, Tokens(piece.Logprobs), piece.PromptLogprobs is { } prompt ? Tokens(prompt) : null);
            }
            finished = true;
        }
        finally
        {
            if (!finished) Cancel();
        }
        await Completion.ConfigureAwait(false); // a cancelled or failed completion throws here, after its last piece
    }

    IReadOnlyList<CompletionToken> Tokens(IReadOnlyList<TokenLogprob> logprobs)
    {
        if (logprobs.Count == 0) return [];
        var tokens = new CompletionToken[logprobs.Count];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = CompletionToken.Of(logprobs[i], _tokenizer);
        return tokens;
    }

    /// <summary>Stops the completion; its slot is free by the next step and <see cref="Completion"/> is cancelled.</summary>
    public void Cancel()
    {
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    async Task<CompletionStats> Finish(Task<Engine.Generation.GenerationStats> engine, int promptTokens)
    {
        try
        {
            var stats = await engine.ConfigureAwait(false);
            return new CompletionStats(promptTokens, stats.GeneratedTokens, CompletionStats.FinishReasonOf(stats.StopReason),
                                       stats.StopReason, stats.PromptTime, stats.GenerationTime);
        }
        finally
        {
            _stop.Dispose();
        }
    }
}
