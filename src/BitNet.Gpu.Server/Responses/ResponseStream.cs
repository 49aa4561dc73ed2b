using System.Text;
using System.Text.Json.Serialization.Metadata;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// A response streamed as the Responses API's server-sent events (see ResponseEvents.cs for their order), each named
/// by an <c>event:</c> line and numbered. Text streams as it is generated; with tools the answer is known only once it
/// is whole, so its items (calls, or the text) are sent at the end. The stream ends with response.completed or
/// response.incomplete, and no [DONE]. A client that goes away cancels the completion; a completion the server
/// stopped (shutting down) or the engine failed ends with an error event instead.
/// </summary>
internal sealed class ResponseStream
{
    readonly ServerSentEvents _events;
    readonly ResponseTurn _turn;
    int _sequence;

    ResponseStream(HttpResponse response, ResponseTurn turn)
    {
        _events = new ServerSentEvents(response);
        _turn = turn;
    }

    static ServerJsonContext Json => ServerJsonContext.Web;

    /// <summary>Streams the text as it comes; returns the finished response, or null when the client left.</summary>
    public static async Task<ResponseObject?> StreamTextAsync(HttpContext context, CompletionChoices choices, ResponseTurn turn)
    {
        var cancel = context.RequestAborted;
        var stream = new ResponseStream(context.Response, turn);
        var text = new StringBuilder();
        var tokens = new List<CompletionToken>();
        bool logprobs = turn.Options.Logprobs;
        try
        {
            stream.Started();
            stream.ItemAdded(0, new OutputMessage { Id = turn.MessageId, Status = "in_progress", Content = [] });
            stream.Part("response.content_part.added", turn.MessageId, 0, new OutputText("", []));
            // As chat streams: one event per piece, flushed just before the stream would wait for the next piece.
            await using (var pieces = choices.ReadPiecesAsync(cancel).GetAsyncEnumerator(cancel))
            {
                while (true)
                {
                    var next = pieces.MoveNextAsync();
                    if (!next.IsCompleted && !await stream._events.FlushAsync(cancel))
                    {
                        choices.Cancel();
                        ClientGone.Abort(context);
                        return null;
                    }
                    if (!await next) break;
                    var piece = pieces.Current.Piece;
                    text.Append(piece.Text);
                    tokens.AddRange(piece.Tokens);
                    stream.Send(TextDeltaEvent.Name, new TextDeltaEvent(stream._sequence++, turn.MessageId, 0, 0, piece.Text,
                                                                        logprobs ? [.. piece.Tokens.Select(ChatTokenLogprob.Of)] : []), Json.TextDeltaEvent);
                }
            }
            var response = turn.Finish(text.ToString(), tokens, (await choices.Completion)[0]);
            stream.ItemEnded(0, response.Output[0]);
            await stream.FinishedAsync(response, cancel);
            return response;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            choices.Cancel(); // the client left: nothing more to send
            return null;
        }
        catch (OperationCanceledException)
        {
            await stream.FailedAsync(new ApiException(503, "the server stopped this request (it is shutting down); retry", code: "server_stopping"));
            return null;
        }
        catch (Exception e) when (e is not ApiException)
        {
            choices.Cancel();
            await stream.FailedAsync(new ApiException(500, "the engine failed while generating this answer; see the server's log"));
            throw new StreamFailedException(e);
        }
    }

    /// <summary>Streams a response that is already whole (an answer with tools): every item's events, then the end.</summary>
    public static async Task WriteWholeAsync(HttpContext context, ResponseTurn turn, ResponseObject response)
    {
        var stream = new ResponseStream(context.Response, turn);
        stream.Started();
        for (int index = 0; index < response.Output.Count; index++)
        {
            switch (response.Output[index])
            {
                case OutputMessage message:
                    stream.ItemAdded(index, message with { Status = "in_progress", Content = [] });
                    stream.Part("response.content_part.added", message.Id, index, new OutputText("", []));
                    string text = message.Content[0].Text;
                    stream.Send(TextDeltaEvent.Name, new TextDeltaEvent(stream._sequence++, message.Id, index, 0, text, message.Content[0].Logprobs), Json.TextDeltaEvent);
                    break;
                case OutputFunctionCall call:
                    stream.ItemAdded(index, call with { Status = "in_progress", Arguments = "" });
                    stream.Arguments("response.function_call_arguments.delta", call.Id, index, delta: call.Arguments);
                    break;
            }
            stream.ItemEnded(index, response.Output[index]);
        }
        await stream.FinishedAsync(response, context.RequestAborted);
    }

    void Send<T>(string name, T value, JsonTypeInfo<T> type) => _events.Write(value, type, name);

    void State(string name, ResponseObject response) => Send(name, new ResponseStateEvent(name, _sequence++, response), Json.ResponseStateEvent);

    void Started()
    {
        State("response.created", _turn.Draft);
        State("response.in_progress", _turn.Draft);
    }

    void ItemAdded(int index, OutputItem item) =>
        Send("response.output_item.added", new OutputItemEvent("response.output_item.added", _sequence++, index, item), Json.OutputItemEvent);

    void Part(string name, string itemId, int index, OutputText part) =>
        Send(name, new ContentPartEvent(name, _sequence++, itemId, index, 0, part), Json.ContentPartEvent);

    void Arguments(string name, string itemId, int index, string? delta = null, string? arguments = null) =>
        Send(name, new ArgumentsEvent(name, _sequence++, itemId, index, delta, arguments), Json.ArgumentsEvent);

    /// <summary>The events that close an item: a message's whole text and part, a call's whole arguments, then the item itself.</summary>
    void ItemEnded(int index, OutputItem item)
    {
        if (item is OutputMessage message)
        {
            var part = message.Content[0];
            Send(TextDoneEvent.Name, new TextDoneEvent(_sequence++, message.Id, index, 0, part.Text, part.Logprobs), Json.TextDoneEvent);
            Part("response.content_part.done", message.Id, index, part);
        }
        else if (item is OutputFunctionCall call)
            Arguments("response.function_call_arguments.done", call.Id, index, arguments: call.Arguments);
        Send("response.output_item.done", new OutputItemEvent("response.output_item.done", _sequence++, index, item), Json.OutputItemEvent);
    }

    async Task FinishedAsync(ResponseObject response, CancellationToken cancel)
    {
        State(response.Status == "incomplete" ? "response.incomplete" : "response.completed", response);
        await _events.FlushAsync(cancel);
    }

    async Task FailedAsync(ApiException error)
    {
        Send(StreamErrorEvent.Name, new StreamErrorEvent(_sequence++, error.Code, error.Message, error.Param), Json.StreamErrorEvent);
        await _events.FlushAsync(CancellationToken.None);
    }
}
