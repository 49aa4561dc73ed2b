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
/// streaming after as input_json_delta. A client that goes away cancels the completion; a completion the server stopped
/// (shutting down) or the engine failed ends with an error event instead of message_stop.
/// </summary>
internal sealed class MessagesStream
{
    static readonly JsonElement EmptyInput = JsonDocument.Parse("{}").RootElement.Clone();

    readonly ServerSentEvents _events;
    int _blocks;   // content blocks started so far
    bool _open;    // whether the last one is still open

    MessagesStream(HttpResponse response) => _events = new ServerSentEvents(response);

    static ServerJsonContext Json => ServerJsonContext.Web;

    /// <summary>Streams the message as it is generated; returns it finished, or null when the client left or the stream failed.</summary>
    public static async Task<MessageObject?> StreamAsync(HttpContext context, CompletionChoices choices, MessageTurn turn)
    {
        var cancel = context.RequestAborted;
        var stream = new MessagesStream(context.Response);
        var reader = turn.Tools is null ? null : new ToolReplyReader();
        var text = new StringBuilder();
        try
        {
            stream.Send(MessageStartEvent.Name, new MessageStartEvent(new MessageObject(turn.Id, turn.Model, [], null, null, new MessageUsage(turn.Prompt.Length, 0))), Json.MessageStartEvent);
            if (reader is null) stream.Open(new TextBlock(""));
            stream.Send(PingEvent.Name, new PingEvent(), Json.PingEvent);
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
                    string piece = pieces.Current.Piece.Text;
                    text.Append(piece);
                    if (reader is null) stream.Delta(new TextDelta(piece));
                    else foreach (var delta in reader.Read(piece)) stream.Add(delta);
                }
            }
            var stats = (await choices.Completion)[0];
            var message = turn.Finish(text.ToString(), stats, reader?.Finish());
            stream.End(message);
            await stream._events.FlushAsync(cancel);
            return message;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            choices.Cancel(); // the client left: nothing more to send
            return null;
        }
        catch (OperationCanceledException)
        {
            await stream.FailedAsync(new ApiException(503, "the server stopped this request (it is shutting down); retry"));
            return null;
        }
        catch (Exception e) when (e is not ApiException)
        {
            choices.Cancel();
            await stream.FailedAsync(new ApiException(500, "the engine failed while generating this answer; see the server's log"));
            throw new StreamFailedException(e);
        }
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
                Open(new ToolUseBlock(MessageTurn.ToolUseId(start.Id), start.Name, EmptyInput));
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

    async Task FailedAsync(ApiException error)
    {
        Send("error", MessagesErrors.Body(error), Json.AnthropicErrorBody);
        await _events.FlushAsync(CancellationToken.None);
    }
}
