using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>POST /v1/completions: OpenAI's (legacy) text completion of a prompt string or token ids, whole or streamed.</summary>
internal sealed class CompletionsEndpoint(ModelHost host)
{
    public const string Path = "/v1/completions";

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.CompletionRequest);
        var model = host.Require();
        var (prompt, options) = Read(model, request);
        var stream = CompletionStarter.Start(model, prompt, options, "prompt", context.RequestAborted);

        string id = $"cmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = model.ModelId;
        int textOffset = 0; // of the next token's text in the completion, for text_offset
        TextLogprobs? Logprobs(IReadOnlyList<CompletionToken> tokens) => options.Logprobs ? TextLogprobs.Of(tokens, ref textOffset) : null;
        if (request.Stream == true)
        {
            var chunks = new CompletionOutput.Chunks<TextCompletion>(
                ServerJsonContext.Web.TextCompletion,
                First: null,
                Piece: piece => new(id, created, name, [new TextChoice(piece.Text, 0, null, Logprobs(piece.Tokens))], null),
                Last: finish => new(id, created, name, [new TextChoice("", 0, finish)], null),
                Usage: usage => new(id, created, name, [], usage));
            await CompletionOutput.StreamAsync(context, stream, chunks, request.StreamOptions?.IncludeUsage == true);
            return;
        }
        var (text, tokens, stats) = await CompletionOutput.CollectAsync(stream, context.RequestAborted);
        var answer = new TextCompletion(id, created, name, [new TextChoice(text, 0, stats.FinishReason, Logprobs(tokens))], Usage.Of(stats));
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.TextCompletion);
    }

    /// <summary>The request's prompt tokens and options, every field checked (a bad one is a 400 naming it).</summary>
    internal static (int[] Prompt, CompletionOptions Options) Read(BitNetModel model, CompletionRequest request)
    {
        var prompt = TextPrompt.Tokens(model, request.Prompt);
        if (request.Echo == true)
            throw ApiException.BadRequest("echo is not supported: this server returns the completion only, without the prompt or its logprobs", "echo");
        var logprobs = LogprobFields.OfText(request.Logprobs);
        return (prompt, RequestOptions.From(request, model, request.MaxTokens, "max_tokens", logprobs));
    }
}
