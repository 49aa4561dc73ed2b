using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace BitNet.Gpu;

/// <summary>
/// A <see cref="BitNetModel"/> as Microsoft.Extensions.AI's <see cref="IChatClient"/>. Messages (system, user, assistant;
/// <see cref="ChatOptions.Instructions"/> as a first system message) are rendered with the model's chat template and
/// completed through the model's scheduler, so concurrent calls are batched. Options: Temperature, TopP, TopK,
/// MaxOutputTokens, StopSequences, Seed, FrequencyPenalty, PresencePenalty, and AdditionalProperties "min_p" and
/// "repeat_penalty"; unset ones keep llama-server's defaults (see <see cref="CompletionOptions"/>). ResponseFormat Json
/// holds the answer to one JSON object, with a schema to one that satisfies it (so <c>GetResponseAsync&lt;T&gt;</c> works;
/// a schema that cannot be held is an <see cref="ArgumentException"/>). Tools are a <see cref="NotSupportedException"/>.
/// Disposing the client leaves the model loaded.
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
        var stream = Start(messages, options, cancellationToken);
        var text = new StringBuilder();
        await foreach (var piece in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false)) text.Append(piece);
        var stats = await stream.Completion.ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = _model.ModelId,
            ResponseId = NewId(),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = FinishReason(stats),
            Usage = Usage(stats),
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                                                [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = Start(messages, options, cancellationToken);
        string responseId = NewId();
        var created = DateTimeOffset.UtcNow;
        await foreach (var piece in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = _model.ModelId, ResponseId = responseId, MessageId = responseId, CreatedAt = created };
        var stats = await stream.Completion.ConfigureAwait(false);
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(stats))])
        {
            ModelId = _model.ModelId,
            ResponseId = responseId,
            MessageId = responseId,
            CreatedAt = created,
            FinishReason = FinishReason(stats),
        };
    }

    CompletionStream Start(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var completion = ChatOptionsReader.Read(options);
        var turns = new List<(string Role, string Content)>();
        if (options?.Instructions is { Length: > 0 } instructions) turns.Add(("system", instructions));
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
                if (content is not TextContent and not UsageContent)
                    throw new NotSupportedException($"a {message.Role} message holds {content.GetType().Name}: this model client takes text only");
            turns.Add((message.Role.Value, message.Text));
        }
        return _model.StartCompletion(_model.RenderChat(turns), completion, cancel);
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
