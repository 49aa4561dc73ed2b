using System.Runtime.CompilerServices;
using System.Threading.Channels;
using BitNet.Gpu.Engine.Generation;

namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>
/// One request's output while it runs in an <see cref="InferenceScheduler"/>: its text, piece by piece as each piece is
/// complete (never half a UTF-8 character or half a stop string), then its counts and why it stopped.
/// <code>var stream = scheduler.Submit(tokens, request);
/// await foreach (var piece in stream.ReadAllAsync()) Console.Write(piece);
/// var stats = await stream.Completion;</code>
/// </summary>
public sealed class GenerationStream
{
    readonly ChannelReader<GenerationPiece> _pieces;

    internal GenerationStream(ChannelReader<GenerationPiece> pieces, Task<GenerationStats> completion)
    {
        _pieces = pieces;
        Completion = completion;
    }

    /// <summary>The counts, times and stop reason once the request ends; cancelled (<see cref="OperationCanceledException"/>)
    /// when its token was, faulted when the engine failed.</summary>
    public Task<GenerationStats> Completion { get; }

    /// <summary>The text pieces in order; ends when the request does (after the last piece). Read the text this way or
    /// with <see cref="ReadPiecesAsync"/>, not both.</summary>
    public async IAsyncEnumerable<string> ReadAllAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        await foreach (var piece in _pieces.ReadAllAsync(cancel).ConfigureAwait(false))
            if (piece.Text.Length > 0) yield return piece.Text;
    }

    /// <summary>The pieces with their tokens' log-probabilities (when the request asked for them), in order.</summary>
    public IAsyncEnumerable<GenerationPiece> ReadPiecesAsync(CancellationToken cancel = default) => _pieces.ReadAllAsync(cancel);

    /// <summary>Blocks until the next piece of text: false when the request has ended (for synchronous callers such as the CLI).</summary>
    public bool TryReadNext(out string text, CancellationToken cancel = default)
    {
        while (true)
        {
            if (_pieces.TryRead(out var piece))
            {
                if (piece.Text.Length == 0) continue;
                text = piece.Text;
                return true;
            }
            var wait = _pieces.WaitToReadAsync(cancel);
            bool more = wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
            if (!more)
            {
                text = "";
                return false;
            }
        }
    }
}
