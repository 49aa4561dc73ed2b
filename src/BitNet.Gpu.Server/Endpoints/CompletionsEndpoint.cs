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
        var prompt = TextPrompt.Tokens(model, request.Prompt);
        var options = RequestOptions.From(request, model, request.MaxTokens, "max_tokens");
        var stream = CompletionStarter.Start(model, prompt, options, "prompt", context.RequestAborted);

        string id = $"cmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = model.ModelId;
        if (request.Stream == true)
        {
            var chunks = new CompletionOutput.Chunks<TextCompletion>(
                ServerJsonContext.Web.TextCompletion,
                First: null,
                Piece: text => new(id, created, name, [new TextChoice(text, 0, null)], null),
                Last: finish => new(id, created, name, [new TextChoice("", 0, finish)], null),
                Usage: usage => new(id, created, name, [], usage));
            await CompletionOutput.StreamAsync(context, stream, chunks, request.StreamOptions?.IncludeUsage == true);
            return;
        }
        var (text, stats) = await CompletionOutput.CollectAsync(stream, context.RequestAborted);
        var answer = new TextCompletion(id, created, name, [new TextChoice(text, 0, stats.FinishReason)], Usage.Of(stats));
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.TextCompletion);
    }
}
