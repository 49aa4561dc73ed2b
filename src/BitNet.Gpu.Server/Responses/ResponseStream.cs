using System.Text;
using System.Text.Json.Serialization.Metadata;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// A response streamed as the Responses API's server-sent events (see ResponseEvents.cs for their order), each named
/// by an <c>event:</c> line and numbered, as the text is generated. With tools the answer is read as it comes
/// (<see cref="ToolReplyReader"/>): its text streams into a message item, each call is an item from the moment its
/// tool's name is read, its arguments streaming after. The stream ends with response.completed or
/// response.incomplete, and no [DONE]; a failure ends with an error event instead (see <see cref="CompletionOutput.PumpAsync"/>).
/// </summary>
internal sealed class ResponseStream
{
    readonly ServerSentEvents _events;
    readonly ResponseTurn _turn;
    int _sequence;
    int _items;                        // output items opened so far; the last is open until the next opens or the end
    OutputFunctionCall? _openCall;     // the open item when it is a call (its arguments so far in _openText)
    readonly StringBuilder _openText = new();

    ResponseStream(HttpResponse response, ResponseTurn turn)
    {
        _events = new ServerSentEvents(response);
        _turn = turn;
    }

    static ServerJsonContext Json => ServerJsonContext.Web;

    /// <summary>Streams the response as it is generated; returns it finished, or null when the client left or the stream failed.</summary>
    public static async Task<ResponseObject?> StreamAsync(HttpContext context, CompletionChoices choices, ResponseTurn turn)
    {
        var stream = new ResponseStream(context.Response, turn);
        var reader = turn.Tools is null ? null : new ToolReplyReader();
        var text = new StringBuilder();
        var tokens = new List<CompletionToken>();
        ResponseObject? response = null;
        stream.State("response.created", turn.Draft);
        stream.State("response.in_progress", turn.Draft);
        if (reader is null) stream.OpenMessage();
        bool whole = await CompletionOutput.PumpAsync(context, choices, stream._events,
            (_, piece) =>
            {
                text.Append(piece.Text);
                tokens.AddRange(piece.Tokens);
                if (reader is null) stream.Text(piece.Text, turn.Options.Logprobs ? [.. piece.Tokens.Select(ChatTokenLogprob.Of)] : []);
                else foreach (var delta in reader.Read(piece.Text)) stream.Add(delta);
            },
            async () =>
            {
                response = turn.Finish(text.ToString(), tokens, (await choices.Completion)[0], reader?.Finish());
                stream.End(response);
            },
            error => stream.Send(StreamErrorEvent.Name, new StreamErrorEvent(stream._sequence++, error.Code, error.Message, error.Param), Json.StreamErrorEvent));
        return whole ? response : null;
    }

    void Add(ToolReplyDelta delta)
    {
        switch (delta)
        {
            case ToolTextDelta text:
                if (_items == 0) OpenMessage();
                Text(text.Text, []);
                break;
            case ToolCallStartDelta start:
                CloseCall();
                _openCall = ResponseTurn.CallItem(start.Id, start.Name, "", "in_progress");
                _openText.Clear();
                ItemAdded(_items++, _openCall);
                break;
            case ToolArgumentsDelta more:
                _openText.Append(more.Text);
                Arguments("response.function_call_arguments.delta", _openCall!.Id, _items - 1, delta: more.Text);
                break;
        }
    }

    void OpenMessage()
    {
        ItemAdded(_items++, new OutputMessage { Id = _turn.MessageId, Status = "in_progress", Content = [] });
        Part("response.content_part.added", _turn.MessageId, _items - 1, new OutputText("", []));
    }

    void Text(string text, IReadOnlyList<ChatTokenLogprob> logprobs) =>
        Send(TextDeltaEvent.Name, new TextDeltaEvent(_sequence++, _turn.MessageId, _items - 1, 0, text, logprobs), Json.TextDeltaEvent);

    /// <summary>A call is whole once the next one starts: its arguments' and its item's done events.</summary>
    void CloseCall()
    {
        if (_openCall is null) return;
        ItemEnded(_items - 1, _openCall with { Arguments = _openText.ToString(), Status = "completed" });
        _openCall = null;
    }

    /// <summary>The end: the open item closed as the response holds it, any item never opened (an empty text) sent
    /// whole, then response.completed or response.incomplete.</summary>
    void End(ResponseObject response)
    {
        if (_items > 0 && _items <= response.Output.Count) ItemEnded(_items - 1, response.Output[_items - 1]);
        for (int index = _items; index < response.Output.Count; index++)
        {
            if (response.Output[index] is OutputMessage message)
            {
                ItemAdded(index, message with { Status = "in_progress", Content = [] });
                Part("response.content_part.added", message.Id, index, new OutputText("", []));
            }
            else ItemAdded(index, response.Output[index]);
            ItemEnded(index, response.Output[index]);
        }
        State(response.Status == "incomplete" ? "response.incomplete" : "response.completed", response);
    }

    void Send<T>(string name, T value, JsonTypeInfo<T> type) => _events.Write(value, type, name);

    void State(string name, ResponseObject response) => Send(name, new ResponseStateEvent(name, _sequence++, response), Json.ResponseStateEvent);

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
}
