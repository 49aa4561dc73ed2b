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
        var (prompt, options, n) = Read(model, request);
        var choices = CompletionStarter.Start(model, prompt, options, n, "messages", context.RequestAborted);

        string id = $"chatcmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = model.ModelId;
        if (request.Stream == true)
        {
            var chunks = new CompletionOutput.Chunks<ChatCompletionChunk>(
                ServerJsonContext.Web.ChatCompletionChunk,
                First: choice => new(id, created, name, [new ChatChunkChoice(choice, new ChatDelta("assistant", ""), null)]),
                Piece: (choice, piece) => new(id, created, name, [new ChatChunkChoice(choice, new ChatDelta(null, piece.Text), null,
                                                                                      options.Logprobs ? ChatLogprobs.Of(piece.Tokens) : null)]),
                Last: (choice, finish) => new(id, created, name, [new ChatChunkChoice(choice, new ChatDelta(null, null), finish)]),
                Usage: usage => new(id, created, name, [], usage));
            await CompletionOutput.StreamAsync(context, choices, chunks, request.StreamOptions?.IncludeUsage == true);
            return;
        }
        var collected = await CompletionOutput.CollectAsync(choices, context.RequestAborted);
        var answer = new ChatCompletion(id, created, name, [.. collected.Select((c, choice) =>
            new ChatChoice(choice, new AssistantMessage(c.Text), c.Stats.FinishReason, options.Logprobs ? ChatLogprobs.Of(c.Tokens) : null))],
            Usage.Of([.. collected.Select(c => c.Stats)]));
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.ChatCompletion);
    }

    /// <summary>The request's prompt tokens, options and number of choices, every field checked (a bad one is a 400 naming it).</summary>
    internal static (int[] Prompt, CompletionOptions Options, int Choices) Read(BitNetModel model, ChatCompletionRequest request)
    {
        var prompt = ChatPrompt.Render(model, request.Messages);
        string limitField = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var logprobs = LogprobFields.OfChat(request.Logprobs, request.TopLogprobs);
        var options = RequestOptions.From(request, model, request.MaxCompletionTokens ?? request.MaxTokens, limitField, logprobs);
        return (prompt, options, RequestOptions.Choices(request.N));
    }
}
