using System.Text;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.LlamaServer;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /completion, llama-server's own completion API (for clients written against llama-server rather than OpenAI):
/// a prompt string or token ids, n_predict, n_probs, json_schema and the sampling fields; the answer whole, or streamed as
/// <c>data:</c> events of <c>{"content", "stop": false}</c> ending with the whole answer's fields and
/// <c>"stop": true</c> (no [DONE], as llama-server).
/// </summary>
internal sealed class NativeCompletionEndpoint(ModelHost host)
{
    public const string Path = "/completion";

    /// <summary>The most log-probabilities per token n_probs may ask for.</summary>
    const int MostProbabilities = 20;

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.NativeCompletionRequest);
        var model = host.Require();
        var (prompt, options) = Read(model, request);
        var choices = CompletionStarter.Start(model, prompt, options, 1, "prompt", context.RequestAborted);
        IReadOnlyList<NativeTokenProbability>? Probabilities(IEnumerable<CompletionToken> tokens) =>
            options.Logprobs ? [.. tokens.Select(t => NativeTokenProbability.Of(t))] : null;

        if (request.Stream == true)
        {
            var events = new ServerSentEvents(context.Response);
            await CompletionOutput.PumpAsync(context, choices, events,
                (_, piece) => events.Write(new NativeCompletionPiece(piece.Text, Probabilities(piece.Tokens)), ServerJsonContext.Web.NativeCompletionPiece),
                async () =>
                {
                    var stats = (await choices.Completion)[0];
                    events.Write(NativeCompletion.Of("", model.ModelId, stats, null), ServerJsonContext.Web.NativeCompletion);
                },
                error => events.Write(error.ToBody(), ServerJsonContext.Web.ErrorBody));
            return;
        }
        var whole = (await CompletionOutput.CollectAsync(choices, context.RequestAborted))[0];
        await JsonResponse.WriteAsync(context, NativeCompletion.Of(whole.Text, model.ModelId, whole.Stats, Probabilities(whole.Tokens)),
                                      ServerJsonContext.Web.NativeCompletion);
    }

    /// <summary>The prompt tokens and options of a /completion request, every field checked (a bad one is a 400 naming it).</summary>
    internal static (int[] Prompt, CompletionOptions Options) Read(BitNetModel model, NativeCompletionRequest request)
    {
        if (request.IgnoreEos == true)
            throw ApiException.BadRequest("ignore_eos is not supported: generation ends at the end-of-text token", "ignore_eos");
        if (request.NPredict is < -1 or 0)
            throw ApiException.BadRequest($"n_predict must be -1 (until the end of text) or 1 or more, got {request.NPredict}", "n_predict");
        if (request.NProbs is < 0 or > MostProbabilities)
            throw ApiException.BadRequest($"n_probs must be 0 to {MostProbabilities}, got {request.NProbs}", "n_probs");
        if (request.JsonSchemaField is { ValueKind: not System.Text.Json.JsonValueKind.Null } schema)
            request.ResponseFormat = new ResponseFormat { Type = "json_schema", JsonSchema = new JsonSchemaFormat { Name = "json_schema", Schema = schema } };

        var prompt = TextPrompt.Tokens(model, request.Prompt);
        // As llama-server: a limit past the context's room ends at the full context instead of being refused.
        int? limit = request.NPredict is null or -1 ? null : Math.Max(1, Math.Min(request.NPredict.Value, model.ContextLength - prompt.Length));
        int top = request.NProbs ?? 0;
        var options = RequestOptions.From(request, model, limit, "n_predict", (top > 0, top), schemaField: "json_schema", grammar: request.Grammar);
        return (prompt, options);
    }
}
