using System.Diagnostics;
using System.Text;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Ollama;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// Ollama's POST /api/generate: a prompt (through the chat template unless raw), streamed by default as one JSON object
/// per line ({"response", "done": false}) ending with done: true, the done_reason, the conversation's tokens (context)
/// and the counts and durations; whole with "stream": false. An empty prompt only answers that the model is loaded.
/// </summary>
internal sealed class OllamaGenerateEndpoint(ModelHost host)
{
    public const string Path = "/api/generate";

    public async Task HandleAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.OllamaGenerateRequest);
        var model = host.Require();
        OllamaCatalog.RequireModel(request.Model);
        string name = OllamaCatalog.Name(model);
        if (string.IsNullOrEmpty(request.Prompt) && request.Context is null or { Count: 0 })
        {
            var loaded = new OllamaGenerateResponse(name, OllamaClock.Now(), "", true) { DoneReason = OllamaClock.LoadReason(request.KeepAlive) };
            await JsonResponse.WriteAsync(context, loaded, ServerJsonContext.Web.OllamaGenerateResponse);
            return;
        }

        var (prompt, options) = Read(model, request);
        var choices = CompletionStarter.Start(model, prompt, options, 1, "prompt", context.RequestAborted);
        OllamaGenerateResponse End(string text, string answer, IReadOnlyList<OllamaLogprob>? logprobs, CompletionStats stats) =>
            OllamaReply.Ending(new OllamaGenerateResponse(name, OllamaClock.Now(), text, true, logprobs)
            {
                Context = [.. prompt, .. model.Tokenize(answer, addBos: false, parseSpecial: false)],
            }, stats, started);

        if (request.Stream != false)
        {
            var lines = new NdjsonStream(context.Response);
            var answer = new StringBuilder();
            await CompletionOutput.PumpAsync(context, choices, lines,
                (_, piece) =>
                {
                    answer.Append(piece.Text);
                    if (piece.Text.Length > 0 || piece.Tokens.Count > 0)
                        lines.Write(new OllamaGenerateResponse(name, OllamaClock.Now(), piece.Text, false, OllamaLogprob.ListOf(piece.Tokens, options)), ServerJsonContext.Web.OllamaGenerateResponse);
                },
                async () => lines.Write(End("", answer.ToString(), null, (await choices.Completion)[0]), ServerJsonContext.Web.OllamaGenerateResponse),
                error => lines.Write(OllamaErrors.Body(error), ServerJsonContext.Web.OllamaError));
            return;
        }
        var whole = (await CompletionOutput.CollectAsync(choices, context.RequestAborted))[0];
        await JsonResponse.WriteAsync(context, End(whole.Text, whole.Text, OllamaLogprob.ListOf(whole.Tokens, options), whole.Stats), ServerJsonContext.Web.OllamaGenerateResponse);
    }

    /// <summary>The request's prompt tokens and options, every field checked (a bad one is a 400 naming it).</summary>
    internal static (int[] Prompt, CompletionOptions Options) Read(BitNetModel model, OllamaGenerateRequest request)
    {
        int[] prompt = OllamaConversation.GeneratePrompt(model, request);
        return (prompt, OllamaSampling.Read(request, model, prompt.Length));
    }
}
