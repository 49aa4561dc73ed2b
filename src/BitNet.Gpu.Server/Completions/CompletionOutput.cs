using System.Text;
using System.Text.Json.Serialization.Metadata;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// Sends a request's running completions (its choices) to its client, whole or as server-sent events: a chunk per piece
/// of text, a last chunk per choice with its finish reason, the usage chunk when asked for, then <c>data: [DONE]</c>. A client that goes away cancels
/// the completion; a completion the server stopped (shutting down) or the engine failed ends the stream with an error
/// event instead of [DONE], so a client never mistakes a cut answer for a whole one.
/// </summary>
internal static class CompletionOutput
{
    /// <summary>One choice's whole text, its tokens' log-probabilities (empty unless asked for), its prompt's tokens (with
    /// their log-probabilities, when asked for), and stats.</summary>
    public sealed record CollectedChoice(string Text, List<CompletionToken> Tokens, IReadOnlyList<CompletionToken>? PromptTokens, CompletionStats Stats);

    /// <summary>Every choice whole; a completion cut by the server is a 503.</summary>
    public static async Task<CollectedChoice[]> CollectAsync(CompletionChoices choices, CancellationToken clientGone)
    {
        var texts = choices.Streams.Select(_ => new StringBuilder()).ToArray();
        var tokens = choices.Streams.Select(_ => new List<CompletionToken>()).ToArray();
        var promptTokens = new IReadOnlyList<CompletionToken>?[choices.Streams.Count];
        try
        {
            await foreach (var (choice, piece) in choices.ReadPiecesAsync(clientGone))
            {
                texts[choice].Append(piece.Text);
                tokens[choice].AddRange(piece.Tokens);
                promptTokens[choice] ??= piece.PromptTokens;
            }
            var stats = await choices.Completion;
            return [.. stats.Select((s, choice) => new CollectedChoice(texts[choice].ToString(), tokens[choice], promptTokens[choice], s))];
        }
        catch (OperationCanceledException) when (!clientGone.IsCancellationRequested)
        {
            throw new ApiException(503, "the server stopped this request (it is shutting down); retry", code: "server_stopping");
        }
    }

    /// <summary>How one kind of response builds its chunks: the first (if any) and last of each choice, a piece of one
    /// (null: nothing to send for it), the usage of all.</summary>
    public sealed record Chunks<T>(JsonTypeInfo<T> Type, Func<int, T>? First, Func<int, CompletionPiece, T?> Piece, Func<int, string, T> Last, Func<Usage, T> Usage)
        where T : class;

    public static Task StreamAsync<T>(HttpContext context, CompletionChoices choices, Chunks<T> chunks, bool includeUsage) where T : class
    {
        var events = new ServerSentEvents(context.Response);
        if (chunks.First is { } first)
            for (int choice = 0; choice < choices.Streams.Count; choice++) events.Write(first(choice), chunks.Type);
        return PumpAsync(context, choices, events,
            (choice, piece) =>
            {
                if (chunks.Piece(choice, piece) is { } chunk) events.Write(chunk, chunks.Type);
            },
            async () =>
            {
                var stats = await choices.Completion;
                // The end goes out in one write: a client that sends its next request after [DONE] waits for one packet, not three.
                for (int choice = 0; choice < stats.Length; choice++) events.Write(chunks.Last(choice, stats[choice].FinishReason), chunks.Type);
                if (includeUsage) events.Write(chunks.Usage(Wire.Usage.Of(stats)), chunks.Type);
                events.Done();
            },
            error => events.Write(error.ToBody(), ServerJsonContext.Web.ErrorBody));
    }

    /// <summary>
    /// Streams a request's choices, whatever their wire format and framing: <paramref name="piece"/> writes the
    /// events of each piece as it comes, <paramref name="end"/> those of the end; then they are sent. One flush serves all
    /// the pieces already there: the events go out just before the stream would wait for the next piece (at once when
    /// generation is slower than the network, in fewer writes when many streams keep the server busy). A client that
    /// goes away cancels the completion; a completion the server stopped (shutting down) or the engine failed ends with
    /// the error event <paramref name="error"/> writes (503 or 500) instead. Returns whether the stream ended whole.
    /// </summary>
    public static async Task<bool> PumpAsync(HttpContext context, CompletionChoices choices, IChunkStream events,
                                             Action<int, CompletionPiece> piece, Func<Task> end, Action<ApiException> error)
    {
        var cancel = context.RequestAborted;
        try
        {
            await using (var pieces = choices.ReadPiecesAsync(cancel).GetAsyncEnumerator(cancel))
            {
                while (true)
                {
                    var next = pieces.MoveNextAsync();
                    if (!next.IsCompleted && !await events.FlushAsync(cancel))
                    {
                        ClientLeft(context, choices);
                        return false;
                    }
                    if (!await next) break;
                    piece(pieces.Current.Choice, pieces.Current.Piece);
                }
            }
            await end();
            return await events.FlushAsync(cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            choices.Cancel(); // the client left: nothing more to send
        }
        catch (OperationCanceledException)
        {
            error(new ApiException(503, "the server stopped this request (it is shutting down); retry", code: "server_stopping"));
            await events.FlushAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not ApiException)
        {
            choices.Cancel();
            error(new ApiException(500, "the engine failed while generating this answer; see the server's log"));
            await events.FlushAsync(CancellationToken.None);
            throw new StreamFailedException(e);
        }
        return false;
    }

    /// <summary>A flush found the connection closed: the completion stops, and the request is aborted so that it ends
    /// as cancelled (Kestrel may notice the closed connection only later, and the request would count as answered).</summary>
    static void ClientLeft(HttpContext context, CompletionChoices choices)
    {
        choices.Cancel();
        ClientGone.Abort(context);
    }
}

/// <summary>The engine failed after a stream began (the client got an error event); carries the cause to the log.</summary>
internal sealed class StreamFailedException(Exception inner) : Exception("a streamed completion failed", inner);
