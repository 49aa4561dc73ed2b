using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /apply-template, as llama-server has it: a chat request's messages (and tools) through the model's chat template,
/// answered as the prompt text <c>{"prompt": "..."}</c> that /v1/chat/completions would run, without running it.
/// </summary>
internal sealed class ApplyTemplateEndpoint(ModelHost host)
{
    public const string Path = "/apply-template";

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.ChatCompletionRequest);
        var model = host.Require();
        var turns = ChatPrompt.Turns(request.Messages, ChatToolFields.Read(request));
        string prompt = ChatPrompt.RenderText(model, turns, "messages");
        await JsonResponse.WriteAsync(context, new AppliedTemplate(prompt), ServerJsonContext.Web.AppliedTemplate);
    }
}

/// <summary>The answer to POST /apply-template.</summary>
internal sealed record AppliedTemplate([property: JsonPropertyName("prompt")] string Prompt);
