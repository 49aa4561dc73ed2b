using BitNet.Gpu.Server.Anthropic;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// Anthropic's Messages API: POST /v1/messages makes a message (whole, or streamed as Anthropic's named events) from
/// the conversation through the model's chat template, so Anthropic's SDKs and tools that speak it run on this server;
/// POST /v1/messages/count_tokens counts a request's input tokens. Errors take Anthropic's shape (<see cref="MessagesErrors"/>).
/// </summary>
internal sealed class MessagesEndpoint(ModelHost host)
{
    public const string Path = "/v1/messages";
    public const string CountPath = "/v1/messages/count_tokens";

    public async Task CreateAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.MessagesRequest);
        var model = host.Require();
        var turn = MessageTurn.Read(model, request);
        var choices = CompletionStarter.Start(model, turn.Prompt, turn.Options, 1, "messages", context.RequestAborted);
        if (request.Stream == true)
        {
            await MessagesStream.StreamAsync(context, choices, turn);
            return;
        }
        var whole = (await CompletionOutput.CollectAsync(choices, context.RequestAborted))[0];
        await JsonResponse.WriteAsync(context, turn.Finish(whole.Text, whole.Stats), ServerJsonContext.Web.MessageObject);
    }

    public async Task CountTokensAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.MessagesRequest);
        var turn = MessageTurn.Read(host.Require(), request, countOnly: true);
        await JsonResponse.WriteAsync(context, new TokenCount(turn.Prompt.Length), ServerJsonContext.Web.TokenCount);
    }
}
