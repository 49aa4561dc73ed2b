using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>POST /v1/chat/completions: OpenAI's chat completion, whole or streamed, through the model's chat template.</summary>
internal sealed class ChatCompletionsEndpoint(ModelHost host)
{
    public const string Path = "/v1/chat/completions";

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.ChatCompletionRequest);
        var model = host.Require();
        var (prompt, options) = Read(model, request);
        var stream = CompletionStarter.Start(model, prompt, options, "messages", context.RequestAborted);

        string id = $"chatcmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = model.ModelId;
        if (request.Stream == true)
        {
            var chunks = new CompletionOutput.Chunks<ChatCompletionChunk>(
                ServerJsonContext.Web.ChatCompletionChunk,
                First: new(id, created, name, [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null)]),
                Piece: piece => new(id, created, name, [new ChatChunkChoice(0, new ChatDelta(null, piece.Text), null,
                                                                            options.Logprobs ? ChatLogprobs.Of(piece.Tokens) : null)]),
                Last: finish => new(id, created, name, [new ChatChunkChoice(0, new ChatDelta(null, null), finish)]),
                Usage: usage => new(id, created, name, [], usage));
            await CompletionOutput.StreamAsync(context, stream, chunks, request.StreamOptions?.IncludeUsage == true);
            return;
        }
        var (text, tokens, stats) = await CompletionOutput.CollectAsync(stream, context.RequestAborted);
        var choice = new ChatChoice(0, new AssistantMessage(text), stats.FinishReason, options.Logprobs ? ChatLogprobs.Of(tokens) : null);
        var answer = new ChatCompletion(id, created, name, [choice], Usage.Of(stats));
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.ChatCompletion);
    }

    /// <summary>The request's prompt tokens and options, every field checked (a bad one is a 400 naming it).</summary>
    internal static (int[] Prompt, CompletionOptions Options) Read(BitNetModel model, ChatCompletionRequest request)
    {
        var prompt = ChatPrompt.Render(model, request.Messages);
        string limitField = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var logprobs = LogprobFields.OfChat(request.Logprobs, request.TopLogprobs);
        return (prompt, RequestOptions.From(request, model, request.MaxCompletionTokens ?? request.MaxTokens, limitField, logprobs));
    }
}
