using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Anthropic;

/// <summary>
/// A message streamed as Anthropic's server-sent events (see MessageEvents.cs for their order), each named by an
/// <c>event:</c> line, as the text is generated. With tools the answer is read as it comes (<see cref="ToolReplyReader"/>):
/// its text streams into a text block, each call is a tool_use block from the moment its tool's name is read, its input
/// streaming after as input_json_delta. A failure ends with an error event instead of message_stop (see
/// <see cref="CompletionOutput.PumpAsync"/>).
/// </summary>
internal sealed class MessagesStream
{
    readonly ServerSentEvents _events;
    int _blocks;   // content blocks started so far
    bool _open;    // whether the last one is still open

    MessagesStream(HttpResponse response) => _events = new ServerSentEvents(response);

    static ServerJsonContext Json => ServerJsonContext.Web;

    /// <summary>Streams the message as it is generated; returns it finished, or null when the client left or the stream failed.</summary>
    public static async Task<MessageObject?> StreamAsync(HttpContext context, CompletionChoices choices, MessageTurn turn)
    {
        var stream = new MessagesStream(context.Response);
        var reader = turn.Tools is null ? null : new ToolReplyReader();
        var text = new StringBuilder();
        MessageObject? message = null;
        stream.Send(MessageStartEvent.Name, new MessageStartEvent(new MessageObject(turn.Id, turn.Model, [], null, null, new MessageUsage(turn.Prompt.Length, 0))), Json.MessageStartEvent);
        if (reader is null) stream.Open(new TextBlock(""));
        stream.Send(PingEvent.Name, new PingEvent(), Json.PingEvent);
        bool whole = await CompletionOutput.PumpAsync(context, choices, stream._events,
            (_, piece) =>
            {
                text.Append(piece.Text);
                if (reader is null) stream.Delta(new TextDelta(piece.Text));
                else foreach (var delta in reader.Read(piece.Text)) stream.Add(delta);
            },
            async () =>
            {
                message = turn.Finish(text.ToString(), (await choices.Completion)[0], reader?.Finish());
                stream.End(message);
            },
            error => stream.Send("error", MessagesErrors.Body(error), Json.AnthropicErrorBody));
        return whole ? message : null;
    }

    void Add(ToolReplyDelta delta)
    {
        switch (delta)
        {
            case ToolTextDelta text:
                if (!_open) Open(new TextBlock(""));
                Delta(new TextDelta(text.Text));
                break;
            case ToolCallStartDelta start:
                Close();
                Open(new ToolUseBlock(MessageTurn.ToolUseId(start.Id), start.Name, ToolCallArguments.EmptyObject));
                break;
            case ToolArgumentsDelta more:
                Delta(new InputJsonDelta(more.Text));
                break;
        }
    }

    void Open(ContentBlock block)
    {
        Send(BlockStartEvent.Name, new BlockStartEvent(_blocks++, block), Json.BlockStartEvent);
        _open = true;
    }

    void Delta(BlockDelta delta) => Send(BlockDeltaEvent.Name, new BlockDeltaEvent(_blocks - 1, delta), Json.BlockDeltaEvent);

    void Close()
    {
        if (!_open) return;
        Send(BlockStopEvent.Name, new BlockStopEvent(_blocks - 1), Json.BlockStopEvent);
        _open = false;
    }

    /// <summary>The end: the open block closed, a block never opened (an empty text) sent whole, the stop reason and usage, message_stop.</summary>
    void End(MessageObject message)
    {
        Close();
        for (int index = _blocks; index < message.Content.Count; index++)
        {
            Open(message.Content[index] is TextBlock ? new TextBlock("") : message.Content[index]);
            if (message.Content[index] is TextBlock { Text.Length: > 0 } text) Delta(new TextDelta(text.Text));
            Close();
        }
        Send(MessageDeltaEvent.Name, new MessageDeltaEvent(new StopDelta(message.StopReason, message.StopSequence), new OutputUsage(message.Usage.OutputTokens)), Json.MessageDeltaEvent);
        Send(MessageStopEvent.Name, new MessageStopEvent(), Json.MessageStopEvent);
    }

    void Send<T>(string name, T value, JsonTypeInfo<T> type) => _events.Write(value, type, name);
}
