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
    readonly ChannelReader<string> _text;

    internal GenerationStream(ChannelReader<string> text, Task<GenerationStats> completion)
    {
        _text = text;
        Completion = completion;
    }

    /// <summary>The counts, times and stop reason once the request ends; cancelled (<see cref="OperationCanceledException"/>)
    /// when its token was, faulted when the engine failed.</summary>
    public Task<GenerationStats> Completion { get; }

    /// <summary>The text pieces in order; ends when the request does (after the last piece).</summary>
    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken cancel = default) => _text.ReadAllAsync(cancel);

    /// <summary>Blocks until the next piece: false when the request has ended (for synchronous callers such as the CLI).</summary>
    public bool TryReadNext(out string piece, CancellationToken cancel = default)
    {
        while (true)
        {
            if (_text.TryRead(out piece!)) return true;
            var wait = _text.WaitToReadAsync(cancel);
            bool more = wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
            if (!more) return false;
        }
    }
}
