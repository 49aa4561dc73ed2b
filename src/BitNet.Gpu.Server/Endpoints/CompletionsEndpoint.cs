using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /v1/completions: OpenAI's (legacy) text completion of a prompt string or token ids, whole or streamed. With echo
/// the answer starts with the prompt, and with logprobs its tokens come first in the lists, scored by the model (what
/// lm-evaluation-harness's loglikelihood reads, with max_tokens 0). vLLM's prompt_logprobs adds each choice's
/// prompt_logprobs (see <see cref="PromptLogprobs"/>).
/// </summary>
internal sealed class CompletionsEndpoint(ModelHost host)
{
    public const string Path = "/v1/completions";

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.CompletionRequest);
        var model = host.Require();
        var (prompt, options, n, promptTop) = Read(model, request);
        var choices = CompletionStarter.Start(model, prompt, options, n, "prompt", context.RequestAborted);

        string id = $"cmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = model.ModelId;
        var textOffsets = new int[n]; // of each choice's next token's text in its answer, for text_offset
        int top = LogprobFields.OfText(request.Logprobs).Top;
        TextLogprobs? Logprobs(int choice, IReadOnlyList<CompletionToken> tokens) => options.Logprobs ? TextLogprobs.Of(LogprobFields.Cut(tokens, top), ref textOffsets[choice]) : null;
        // With echo the prompt comes first (its tokens' texts, as the logprobs list them), in the first piece.
        static string Echo(IReadOnlyList<CompletionToken>? prompt) => prompt is null ? "" : string.Concat(prompt.Select(t => t.Text));
        if (request.Stream == true)
        {
            var chunks = new CompletionOutput.Chunks<TextCompletion>(
                ServerJsonContext.Web.TextCompletion,
                First: null,
                Piece: (choice, piece) => new(id, created, name, [new TextChoice(Echo(piece.PromptTokens) + piece.Text, choice, null,
                                                                                 Logprobs(choice, [.. piece.PromptTokens ?? [], .. piece.Tokens]))], null),
                Last: (choice, finish) => new(id, created, name, [new TextChoice("", choice, finish)], null),
                Usage: usage => new(id, created, name, [], usage));
            await CompletionOutput.StreamAsync(context, choices, chunks, request.StreamOptions?.IncludeUsage == true);
            return;
        }
        var collected = await CompletionOutput.CollectAsync(choices, context.RequestAborted);
        var answer = new TextCompletion(id, created, name,
            [.. collected.Select((c, choice) => new TextChoice(request.Echo == true ? Echo(c.PromptTokens) + c.Text : c.Text, choice, c.Stats.FinishReason,
                                                               Logprobs(choice, [.. request.Echo == true ? c.PromptTokens ?? [] : [], .. c.Tokens]),
                                                               promptTop is int count ? PromptLogprobs.Of(c.PromptTokens!, count) : null))],
            Usage.Of([.. collected.Select(c => c.Stats)]));
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.TextCompletion);
    }

    /// <summary>
    /// The request's prompt tokens, options, number of choices and prompt_logprobs count (null when not asked for), every
    /// field checked (a bad one is a 400 naming it).
    /// </summary>
    internal static (int[] Prompt, CompletionOptions Options, int Choices, int? PromptTop) Read(BitNetModel model, CompletionRequest request)
    {
        var prompt = TextPrompt.Tokens(model, request.Prompt);
        var logprobs = LogprobFields.OfText(request.Logprobs);
        int? promptTop = LogprobFields.OfPrompt(request.PromptLogprobs, request.Stream == true);
        // echo scores the prompt too: its tokens' texts are the echoed text, and with logprobs they come first.
        int? scored = request.Echo == true ? Math.Max(logprobs.Top, promptTop ?? 0) : promptTop;
        return (prompt, RequestOptions.From(request, model, request.MaxTokens, "max_tokens", logprobs, scored, grammar: request.Grammar), RequestOptions.Choices(request.N), promptTop);
    }
}
