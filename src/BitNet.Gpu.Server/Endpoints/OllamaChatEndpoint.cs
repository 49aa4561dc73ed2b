using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Ollama;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// Ollama's POST /api/chat: the messages through the model's chat template, streamed by default as one JSON object per
/// line ({"message": {"role": "assistant", "content"}, "done": false}) ending with done: true, the done_reason and the
/// counts and durations; whole with "stream": false. With tools the answer's text streams as content and its calls come
/// whole (arguments as objects) in a message before the last. No messages only answers that the model is loaded.
/// </summary>
internal sealed class OllamaChatEndpoint(ModelHost host)
{
    public const string Path = "/api/chat";

    public async Task HandleAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.OllamaChatRequest);
        var model = host.Require();
        OllamaCatalog.RequireModel(request.Model);
        string name = OllamaCatalog.Name(model);
        if (request.Messages is null or { Count: 0 })
        {
            var loaded = new OllamaChatResponse(name, OllamaClock.Now(), new OllamaReplyMessage(""), true) { DoneReason = OllamaClock.LoadReason(request.KeepAlive) };
            await JsonResponse.WriteAsync(context, loaded, ServerJsonContext.Web.OllamaChatResponse);
            return;
        }

        var (prompt, options, tools) = Read(model, request);
        var choices = CompletionStarter.Start(model, prompt, options, 1, "messages", context.RequestAborted);
        OllamaChatResponse Chunk(OllamaReplyMessage message, IReadOnlyList<OllamaLogprob>? logprobs = null) =>
            new(name, OllamaClock.Now(), message, false, logprobs);
        OllamaChatResponse End(OllamaReplyMessage message, IReadOnlyList<OllamaLogprob>? logprobs, CompletionStats stats) =>
            OllamaReply.Ending(new OllamaChatResponse(name, OllamaClock.Now(), message, true, logprobs), stats, started);

        if (request.Stream != false)
        {
            var lines = new NdjsonStream(context.Response);
            var reader = tools is null ? null : new ToolReplyReader();
            await CompletionOutput.PumpAsync(context, choices, lines,
                (_, piece) =>
                {
                    string text = reader is null ? piece.Text : string.Concat(reader.Read(piece.Text).OfType<ToolTextDelta>().Select(d => d.Text));
                    if (text.Length > 0 || piece.Tokens.Count > 0)
                        lines.Write(Chunk(new OllamaReplyMessage(text), OllamaLogprob.ListOf(piece.Tokens, options)), ServerJsonContext.Web.OllamaChatResponse);
                },
                async () =>
                {
                    var stats = (await choices.Completion)[0];
                    if (reader?.Finish() is { Calls.Count: > 0 } reply)
                        lines.Write(Chunk(new OllamaReplyMessage("", Calls(reply))), ServerJsonContext.Web.OllamaChatResponse);
                    lines.Write(End(new OllamaReplyMessage(""), null, stats), ServerJsonContext.Web.OllamaChatResponse);
                },
                error => lines.Write(OllamaErrors.Body(error), ServerJsonContext.Web.OllamaError));
            return;
        }
        var whole = (await CompletionOutput.CollectAsync(choices, context.RequestAborted))[0];
        await JsonResponse.WriteAsync(context, End(Message(whole.Text, tools), OllamaLogprob.ListOf(whole.Tokens, options), whole.Stats),
                                      ServerJsonContext.Web.OllamaChatResponse);
    }

    /// <summary>A whole answer as a message: its text, or with tools the text or calls it holds.</summary>
    static OllamaReplyMessage Message(string text, ToolCallFormat? tools)
    {
        if (tools is null) return new OllamaReplyMessage(text);
        var reply = tools.Parse(text);
        return new OllamaReplyMessage(reply.Content ?? "", reply.Calls.Count > 0 ? Calls(reply) : null);
    }

    /// <summary>The request's prompt tokens, options and tool-call format (null without tools), every field checked.</summary>
    internal static (int[] Prompt, CompletionOptions Options, ToolCallFormat? Tools) Read(BitNetModel model, OllamaChatRequest request)
    {
        if (!string.IsNullOrEmpty(request.Template))
            throw ApiException.BadRequest("template: Ollama's Go templates are not supported; the model's chat template is used", "template");
        var tools = request.Tools is { Count: > 0 } fields ? ChatToolFields.Build(ChatToolFields.Functions(fields), ToolCallMode.Auto, null, parallelCalls: true) : null;
        int[] prompt = ChatPrompt.RenderTurns(model, OllamaConversation.Turns(request.Messages ?? [], tools), "messages");
        var options = OllamaSampling.Read(request, model, prompt.Length);
        if (tools is not null)
        {
            if (options.JsonObject) throw ApiException.BadRequest("format cannot be combined with tools: the answer's format is the tool-call format", "format");
            options = options with { JsonSchema = tools.Schema };
        }
        return (prompt, options, tools);
    }

    /// <summary>The answer's calls as Ollama writes them: each with its id, place and arguments as an object.</summary>
    static List<OllamaToolCall> Calls(ToolReply reply) =>
        [.. reply.Calls.Select((call, index) => new OllamaToolCall(new OllamaFunctionCall(call.Name, Arguments(call.Arguments), index), call.Id))];

    /// <summary>A call's arguments as an object (Ollama's clients read a map); arguments the token limit cut give an empty one.</summary>
    static JsonElement Arguments(string json) =>
        ToolCallArguments.Parse(json) is { ValueKind: JsonValueKind.Object } arguments ? arguments : ToolCallArguments.EmptyObject;
}
