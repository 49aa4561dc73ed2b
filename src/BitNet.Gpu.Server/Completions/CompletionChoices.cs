using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The n completions of one request (OpenAI's n: choices 0 to n − 1), each its own sequence in the scheduler, so they
/// run batched in the same steps. Their pieces are read as they come, each tagged with its choice.
/// </summary>
internal sealed class CompletionChoices(IReadOnlyList<CompletionStream> streams)
{
    public IReadOnlyList<CompletionStream> Streams { get; } = streams;

    /// <summary>Every choice's stats once all have ended; cancelled or faulted as the first choice that was.</summary>
    public Task<CompletionStats[]> Completion => Task.WhenAll(Streams.Select(s => s.Completion));

    /// <summary>Stops every choice.</summary>
    public void Cancel()
    {
        foreach (var stream in Streams) stream.Cancel();
    }

    /// <summary>Each choice's pieces in its own order, the choices interleaved as their pieces come; throws as the first
    /// choice that was cancelled or failed, after the pieces before it.</summary>
    public async IAsyncEnumerable<(int Choice, CompletionPiece Piece)> ReadPiecesAsync([EnumeratorCancellation] CancellationToken cancel)
    {
        if (Streams.Count == 1)
        {
            await foreach (var piece in Streams[0].ReadPiecesAsync(cancel)) yield return (0, piece);
            yield break;
        }
        var merged = Channel.CreateUnbounded<(int, CompletionPiece)>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = Streams.Select((stream, choice) => Pump(stream, choice, merged.Writer, cancel)).ToArray();
        var all = Task.WhenAll(pumps);
        _ = all.ContinueWith(_ => merged.Writer.TryComplete(), TaskScheduler.Default);
        await foreach (var item in merged.Reader.ReadAllAsync(cancel)) yield return item;
        if (!all.IsCompleted) Cancel(); // a choice ended early, cancelled or failed: the others stop too
        await all;                      // and its error comes out here
    }

    static async Task Pump(CompletionStream stream, int choice, ChannelWriter<(int, CompletionPiece)> merged, CancellationToken cancel)
    {
        try
        {
            await foreach (var piece in stream.ReadPiecesAsync(cancel)) merged.TryWrite((choice, piece));
        }
        catch
        {
            merged.TryComplete(); // the reader stops at once instead of after the other choices
            throw;
        }
    }
}
