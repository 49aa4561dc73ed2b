using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Anthropic;
using BitNet.Gpu.Server.Endpoints;
using BitNet.Gpu.Server.LlamaServer;
using BitNet.Gpu.Server.Ollama;
using BitNet.Gpu.Server.Responses;

namespace BitNet.Gpu.Server.Wire;

/// <summary>
/// Compile-time JSON (de)serializers of every request and response body. MaxDepth bounds nesting: a body nested
/// deeper is refused as malformed before it costs more than its bytes.
/// </summary>
[JsonSourceGenerationOptions(MaxDepth = ServerJsonContext.MaxDepth, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(DetokenizeRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(TokenizeResponse))]
[JsonSerializable(typeof(TokenPiecesResponse))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(DetokenizeResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ResponseRequest))]
[JsonSerializable(typeof(ResponseObject))]
[JsonSerializable(typeof(ResponseStateEvent))]
[JsonSerializable(typeof(OutputItemEvent))]
[JsonSerializable(typeof(ContentPartEvent))]
[JsonSerializable(typeof(TextDeltaEvent))]
[JsonSerializable(typeof(TextDoneEvent))]
[JsonSerializable(typeof(ArgumentsEvent))]
[JsonSerializable(typeof(StreamErrorEvent))]
[JsonSerializable(typeof(DeletedResponse))]
[JsonSerializable(typeof(List<SlotInfo>))]
[JsonSerializable(typeof(NativeCompletionRequest))]
[JsonSerializable(typeof(NativeCompletion))]
[JsonSerializable(typeof(NativeCompletionPiece))]
[JsonSerializable(typeof(AppliedTemplate))]
[JsonSerializable(typeof(ServerProps))]
[JsonSerializable(typeof(InputItemList))]
[JsonSerializable(typeof(InputTokenCount))]
[JsonSerializable(typeof(MessagesRequest))]
[JsonSerializable(typeof(MessageObject))]
[JsonSerializable(typeof(TokenCount))]
[JsonSerializable(typeof(AnthropicErrorBody))]
[JsonSerializable(typeof(MessageStartEvent))]
[JsonSerializable(typeof(BlockStartEvent))]
[JsonSerializable(typeof(BlockDeltaEvent))]
[JsonSerializable(typeof(BlockStopEvent))]
[JsonSerializable(typeof(MessageDeltaEvent))]
[JsonSerializable(typeof(MessageStopEvent))]
[JsonSerializable(typeof(PingEvent))]
[JsonSerializable(typeof(EmbeddingRequest))]
[JsonSerializable(typeof(NativeEmbeddingRequest))]
[JsonSerializable(typeof(NativeEmbedding[]))]
[JsonSerializable(typeof(EmbeddingList<float[]>))]
[JsonSerializable(typeof(EmbeddingList<string>))]
[JsonSerializable(typeof(OllamaGenerateRequest))]
[JsonSerializable(typeof(OllamaChatRequest))]
[JsonSerializable(typeof(OllamaEmbedRequest))]
[JsonSerializable(typeof(OllamaLegacyEmbedRequest))]
[JsonSerializable(typeof(OllamaShowRequest))]
[JsonSerializable(typeof(OllamaGenerateResponse))]
[JsonSerializable(typeof(OllamaChatResponse))]
[JsonSerializable(typeof(OllamaEmbedResponse))]
[JsonSerializable(typeof(OllamaLegacyEmbedResponse))]
[JsonSerializable(typeof(OllamaModelList))]
[JsonSerializable(typeof(OllamaShowResponse))]
[JsonSerializable(typeof(OllamaVersion))]
[JsonSerializable(typeof(OllamaError))]
internal sealed partial class ServerJsonContext : JsonSerializerContext
{
    /// <summary>The deepest nesting a request body may have.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// The serializers the server uses: as <see cref="JsonSerializerContext"/>'s default, but writing text as it is
    /// (an apostrophe stays an apostrophe, not \u0027), JSON's own escapes still applied; no body is embedded in HTML.
    /// </summary>
    public static ServerJsonContext Web { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = MaxDepth,
        NumberHandling = JsonNumberHandling.Strict,
    });
}
