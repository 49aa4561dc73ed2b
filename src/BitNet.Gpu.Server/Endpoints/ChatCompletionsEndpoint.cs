using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /v1/chat/completions: OpenAI's chat completion, whole or streamed, through the model's chat template. vLLM's
/// prompt_logprobs scores the rendered prompt's tokens (template included) into the answer's prompt_logprobs.
/// </summary>
internal sealed class ChatCompletionsEndpoint(ModelHost host)
{
    public const string Path = "/v1/chat/completions";

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.ChatCompletionRequest);
        var model = host.Require();
        var (prompt, options, n, tools, promptTop) = Read(model, request);
        int top = request.TopLogprobs ?? 0;
        var choices = CompletionStarter.Start(model, prompt, options, n, "messages", context.RequestAborted);

        string id = $"chatcmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = model.ModelId;
        if (request.Stream == true)
        {
            // With tools each choice's answer is read as it comes: its text streams as content, each call as it starts.
            var readers = tools is null ? null : choices.Streams.Select(_ => new ToolReplyReader()).ToArray();
            var chunks = new CompletionOutput.Chunks<ChatCompletionChunk>(
                ServerJsonContext.Web.ChatCompletionChunk,
                First: choice => new(id, created, name, [new ChatChunkChoice(choice, new ChatDelta("assistant", ""), null)]),
                Piece: (choice, piece) => readers is null
                    ? new(id, created, name, [new ChatChunkChoice(choice, new ChatDelta(null, piece.Text), null, options.Logprobs ? ChatLogprobs.Of(LogprobFields.Cut(piece.Tokens, top)) : null)])
                    : Delta(readers[choice].Read(piece.Text)) is { } delta ? new(id, created, name, [new ChatChunkChoice(choice, delta, null)]) : null,
                Last: (choice, finish) => new(id, created, name, [new ChatChunkChoice(choice, new ChatDelta(null, null), readers is null ? finish : Finish(readers[choice].Finish(), finish))]),
                Usage: usage => new(id, created, name, [], usage));
            await CompletionOutput.StreamAsync(context, choices, chunks, request.StreamOptions?.IncludeUsage == true);
            return;
        }
        var collected = await CompletionOutput.CollectAsync(choices, context.RequestAborted);
        var answer = new ChatCompletion(id, created, name, [.. collected.Select(Choice)], Usage.Of([.. collected.Select(c => c.Stats)]),
                                        promptTop is int count ? PromptLogprobs.Of(collected[0].PromptTokens!, count) : null); // one prompt for every choice
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.ChatCompletion);

        ChatChoice Choice(CompletionOutput.CollectedChoice choice, int index)
        {
            var (message, finish) = Answer(choice, tools);
            return new ChatChoice(index, message, finish, options.Logprobs ? ChatLogprobs.Of(LogprobFields.Cut(choice.Tokens, top)) : null);
        }
    }

    /// <summary>What a piece of a tool-format answer adds to the message: its text as content, its calls by index (a call's
    /// start with its id and name); null when the piece adds nothing yet (the format's own punctuation).</summary>
    static ChatDelta? Delta(IReadOnlyList<ToolReplyDelta> deltas)
    {
        if (deltas.Count == 0) return null;
        string? text = null;
        var calls = new List<ToolCallDelta>();
        foreach (var delta in deltas)
            switch (delta)
            {
                case ToolTextDelta t: text += t.Text; break;
                case ToolCallStartDelta start: calls.Add(new ToolCallDelta(start.Index, start.Id, "function", new FunctionDelta(start.Name, ""))); break;
                case ToolArgumentsDelta more when calls.Count > 0 && calls[^1].Index == more.Index:
                    calls[^1] = calls[^1] with { Function = calls[^1].Function with { Arguments = calls[^1].Function.Arguments + more.Text } };
                    break;
                case ToolArgumentsDelta more: calls.Add(new ToolCallDelta(more.Index, null, null, new FunctionDelta(null, more.Text))); break;
            }
        return new ChatDelta(null, text, calls.Count > 0 ? calls : null);
    }

    /// <summary>The finish reason of an answer with tools: tool_calls when it made calls, unless the token limit cut it.</summary>
    static string Finish(ToolReply reply, string finish) => reply.Calls.Count > 0 && finish != "length" ? "tool_calls" : finish;

    /// <summary>
    /// A choice's message and finish reason: its text, or with tools the calls it made (finish reason tool_calls). An
    /// answer the token limit cut is what came, as it streams: the text so far, or the calls so far (finish reason length).
    /// </summary>
    static (AssistantMessage Message, string Finish) Answer(CompletionOutput.CollectedChoice choice, ToolCallFormat? tools)
    {
        string finish = choice.Stats.FinishReason;
        if (tools is null) return (new AssistantMessage(choice.Text), finish);
        var reply = tools.Parse(choice.Text);
        if (reply.Calls.Count == 0) return (new AssistantMessage(reply.Content), finish);
        return (new AssistantMessage(null, [.. reply.Calls.Select(c => new ToolCallOut(c.Id, new CalledFunction(c.Name, c.Arguments)))]), Finish(reply, finish));
    }

    /// <summary>
    /// The request's prompt tokens, options, number of choices, tool-call format (null without tools) and prompt_logprobs
    /// count (null when not asked for), every field checked (a bad one is a 400 naming it).
    /// </summary>
    internal static (int[] Prompt, CompletionOptions Options, int Choices, ToolCallFormat? Tools, int? PromptTop) Read(BitNetModel model, ChatCompletionRequest request)
    {
        var tools = ChatToolFields.Read(request);
        var prompt = ChatPrompt.Render(model, request.Messages, tools);
        string limitField = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var logprobs = LogprobFields.OfChat(request.Logprobs, request.TopLogprobs);
        int? promptTop = LogprobFields.OfPrompt(request.PromptLogprobs, request.Stream == true);
        var options = RequestOptions.From(request, model, request.MaxCompletionTokens ?? request.MaxTokens, limitField, logprobs, promptTop, grammar: request.Grammar);
        if (tools is not null)
        {
            if (options.JsonObject) throw ApiException.BadRequest("response_format json_object or json_schema cannot be combined with tools: the answer's format is the tool-call format", "response_format");
            if (options.Grammar is not null) throw ApiException.BadRequest("grammar cannot be combined with tools: the answer's format is the tool-call format", "grammar");
            options = options with { JsonSchema = tools.Schema };
        }
        return (prompt, options, RequestOptions.Choices(request.N), tools, promptTop);
    }
}
