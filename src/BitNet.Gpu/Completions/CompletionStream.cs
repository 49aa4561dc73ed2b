using System.Runtime.CompilerServices;
using BitNet.Gpu.Engine.Scheduling;

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

    internal CompletionStream(GenerationStream inner, CancellationTokenSource stop, int promptTokens)
    {
        _inner = inner;
        _stop = stop;
        PromptTokens = promptTokens;
        Completion = Finish(inner.Completion, promptTokens);
    }

    /// <summary>Tokens in the prompt.</summary>
    public int PromptTokens { get; }

    /// <summary>The stats once the completion ends; cancelled (<see cref="OperationCanceledException"/>) when it was
    /// cancelled, faulted when the engine failed.</summary>
    public Task<CompletionStats> Completion { get; }

    /// <summary>The text pieces in order (never half a UTF-8 character or half a stop string); ends with the completion.
    /// Breaking out of the loop early, or cancelling <paramref name="cancel"/>, cancels the completion.</summary>
    public async IAsyncEnumerable<string> ReadAllAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        bool finished = false;
        try
        {
            await foreach (var piece in _inner.ReadAllAsync(cancel).ConfigureAwait(false))
            {
                cancel.ThrowIfCancellationRequested(); // pieces already waiting do not outrun a cancellation
                yield return piece;
            }
            finished = true;
        }
        finally
        {
            if (!finished) Cancel();
        }
        await Completion.ConfigureAwait(false); // a cancelled or failed completion throws here, after its last piece
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
