using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Gpu;

/// <summary>
/// A <see cref="BitNetModel"/> as Microsoft.Extensions.AI's <see cref="IChatClient"/>. Messages (system, user, assistant;
/// <see cref="ChatOptions.Instructions"/> as a first system message) are rendered with the model's chat template and
/// completed through the model's scheduler, so concurrent calls are batched. Options: Temperature, TopP, TopK,
/// MaxOutputTokens, StopSequences, Seed, FrequencyPenalty, PresencePenalty, and AdditionalProperties "min_p" and
/// "repeat_penalty"; unset ones keep llama-server's defaults (see <see cref="CompletionOptions"/>). ResponseFormat Json
/// holds the answer to one JSON object, with a schema to one that satisfies it (so <c>GetResponseAsync&lt;T&gt;</c> works;
/// a schema that cannot be held is an <see cref="ArgumentException"/>). Tools (functions) are offered as
/// <see cref="ToolCallFormat"/> does: the answer is then calls (<see cref="FunctionCallContent"/>, finish reason
/// ToolCalls) or text, so <c>UseFunctionInvocation()</c> works; earlier calls and their results
/// (<see cref="FunctionResultContent"/>) are written into the conversation. Disposing the client leaves the model loaded.
/// <code>IChatClient client = model.AsChatClient();
/// await foreach (var update in client.GetStreamingResponseAsync("Hello")) Console.Write(update.Text);</code>
/// </summary>
public sealed class BitNetChatClient : IChatClient
{
    readonly BitNetModel _model;
    readonly ChatClientMetadata _metadata;

    /// <summary>A chat client over <paramref name="model"/> (which stays owned by the caller).
    /// <code>using var client = new BitNetChatClient(model);</code></summary>
    public BitNetChatClient(BitNetModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _metadata = new ChatClientMetadata("bitnet-gpu", providerUri: null, defaultModelId: model.ModelId);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (stream, tools) = Start(messages, options, cancellationToken);
        var text = new StringBuilder();
        await foreach (var piece in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false)) text.Append(piece);
        var stats = await stream.Completion.ConfigureAwait(false);
        var (contents, finish) = Answer(text.ToString(), tools?.Parse(text.ToString()), stats);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = _model.ModelId,
            ResponseId = NewId(),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = finish,
            Usage = Usage(stats),
        };
    }

    /// <inheritdoc />
    /// <remarks>With tools the answer's text streams as it comes (read by <see cref="ToolReplyReader"/>); its calls come
    /// in one update once the answer is whole, as Microsoft.Extensions.AI's own clients give them.</remarks>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                                                [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (stream, tools) = Start(messages, options, cancellationToken);
        string responseId = NewId();
        var created = DateTimeOffset.UtcNow;
        var reader = tools is null ? null : new ToolReplyReader();
        await foreach (var piece in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            string text = reader is null ? piece : string.Concat(reader.Read(piece).OfType<ToolTextDelta>().Select(d => d.Text));
            if (text.Length > 0)
                yield return new ChatResponseUpdate(ChatRole.Assistant, text) { ModelId = _model.ModelId, ResponseId = responseId, MessageId = responseId, CreatedAt = created };
        }
        var stats = await stream.Completion.ConfigureAwait(false);
        var (contents, finish) = Answer("", reader?.Finish(), stats);
        if (contents.OfType<FunctionCallContent>().Any())
            yield return new ChatResponseUpdate(ChatRole.Assistant, contents) { ModelId = _model.ModelId, ResponseId = responseId, MessageId = responseId, CreatedAt = created };
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(stats))])
        {
            ModelId = _model.ModelId,
            ResponseId = responseId,
            MessageId = responseId,
            CreatedAt = created,
            FinishReason = finish,
        };
    }

    (CompletionStream Stream, ToolCallFormat? Tools) Start(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var completion = ChatOptionsReader.Read(options);
        var tools = ChatToolsReader.Read(options);
        var turns = new List<(string Role, string Content)>();
        if (options?.Instructions is { Length: > 0 } instructions) turns.Add(("system", instructions));
        var callNames = new Dictionary<string, string>(); // call id → function name, for the results that answer them
        foreach (var message in messages) AddTurns(message, turns, callNames);
        if (tools is not null)
        {
            turns = tools.WithInstructions(turns);
            completion = completion with { JsonSchema = tools.Schema };
        }
        return (_model.StartCompletion(_model.RenderChat(turns), completion, cancel), tools);
    }

    /// <summary>A message's turns: its text; the calls it made, written in the tool-call format; each function result as a user turn.</summary>
    static void AddTurns(ChatMessage message, List<(string Role, string Content)> turns, Dictionary<string, string> callNames)
    {
        var calls = new List<(string Name, string Arguments)>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent or UsageContent:
                    break;
                case FunctionCallContent call:
                    callNames[call.CallId] = call.Name;
                    calls.Add((call.Name, JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions)));
                    break;
                case FunctionResultContent result:
                    string resultText = result.Result is string s ? s : JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions);
                    turns.Add(("user", ToolCallFormat.ResultMessage(callNames.GetValueOrDefault(result.CallId), result.CallId, resultText)));
                    break;
                default:
                    throw new NotSupportedException($"a {message.Role} message holds {content.GetType().Name}: this model client takes text, function calls and function results");
            }
        }
        if (calls.Count > 0) turns.Add(("assistant", ToolCallFormat.CallsMessage(calls)));
        else if (message.Contents.Any(c => c is TextContent) || message.Contents.Count == 0) turns.Add((message.Role.Value, message.Text));
    }

    /// <summary>
    /// The answer's contents and finish reason: its text, or with tools (<paramref name="reply"/>) the calls it made
    /// (finish reason ToolCalls). An answer the token limit cut is what came (finish reason Length): the text so far, or
    /// the calls so far, the last one's arguments possibly cut (then its <see cref="FunctionCallContent.Exception"/> says so).
    /// </summary>
    static (List<AIContent> Contents, ChatFinishReason Finish) Answer(string text, ToolReply? reply, CompletionStats stats)
    {
        var finish = FinishReason(stats);
        if (reply is null) return ([new TextContent(text)], finish);
        if (reply.Calls.Count == 0) return ([new TextContent(reply.Content)], finish);
        return ([.. reply.Calls.Select(Call)], finish == ChatFinishReason.Length ? finish : ChatFinishReason.ToolCalls);
    }

    static FunctionCallContent Call(ToolCall call)
    {
        try
        {
            return new FunctionCallContent(call.Id, call.Name, ChatToolsReader.Arguments(call.Arguments));
        }
        catch (JsonException e)
        {
            return new FunctionCallContent(call.Id, call.Name) { Exception = new InvalidOperationException($"the arguments of {call.Name} were cut short by the token limit", e) };
        }
    }

    static ChatFinishReason FinishReason(CompletionStats stats) => stats.FinishReason == "length" ? ChatFinishReason.Length : ChatFinishReason.Stop;

    static UsageDetails Usage(CompletionStats stats) => new()
    {
        InputTokenCount = stats.PromptTokens,
        OutputTokenCount = stats.CompletionTokens,
        TotalTokenCount = stats.TotalTokens,
    };

    static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");

    /// <summary><see cref="ChatClientMetadata"/> (provider bitnet-gpu, the model id), the <see cref="BitNetModel"/>, or this client.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(BitNetModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to free: the model belongs to the caller.</summary>
    public void Dispose() { }
}
