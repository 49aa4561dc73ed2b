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

    public static async Task StreamAsync<T>(HttpContext context, CompletionChoices choices, Chunks<T> chunks, bool includeUsage) where T : class
    {
        var cancel = context.RequestAborted;
        var events = new ServerSentEvents(context.Response);
        try
        {
            if (chunks.First is { } first)
                for (int choice = 0; choice < choices.Streams.Count; choice++) events.Write(first(choice), chunks.Type);
            // One event per piece, but one flush for all the pieces that are already there: the events are sent just
            // before the stream would wait for the next piece (at once when generation is slower than the network,
            // in fewer writes when many streams keep the server busy).
            await using (var pieces = choices.ReadPiecesAsync(cancel).GetAsyncEnumerator(cancel))
            {
                while (true)
                {
                    var next = pieces.MoveNextAsync();
                    if (!next.IsCompleted && !await events.FlushAsync(cancel))
                    {
                        ClientLeft(context, choices);
                        return;
                    }
                    if (!await next) break;
                    if (chunks.Piece(pieces.Current.Choice, pieces.Current.Piece) is { } chunk) events.Write(chunk, chunks.Type);
                }
            }
            var stats = await choices.Completion;
            // The end goes out in one write: a client that sends its next request after [DONE] waits for one packet, not three.
            for (int choice = 0; choice < stats.Length; choice++) events.Write(chunks.Last(choice, stats[choice].FinishReason), chunks.Type);
            if (includeUsage) events.Write(chunks.Usage(Wire.Usage.Of(stats)), chunks.Type);
            await events.DoneAsync(cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            choices.Cancel(); // the client left: nothing more to send
        }
        catch (OperationCanceledException)
        {
            await events.WriteAsync(new ApiException(503, "the server stopped this request (it is shutting down); retry", code: "server_stopping").ToBody(),
                                    ServerJsonContext.Web.ErrorBody, CancellationToken.None);
        }
        catch (Exception e) when (e is not ApiException)
        {
            choices.Cancel();
            await events.WriteAsync(new ApiException(500, "the engine failed while generating this answer; see the server's log").ToBody(),
                                    ServerJsonContext.Web.ErrorBody, CancellationToken.None);
            throw new StreamFailedException(e);
        }
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
