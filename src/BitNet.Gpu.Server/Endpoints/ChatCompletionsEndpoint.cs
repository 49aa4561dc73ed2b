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
        var (prompt, options, n, tools) = Read(model, request);
        var choices = CompletionStarter.Start(model, prompt, options, n, "messages", context.RequestAborted);

        string id = $"chatcmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = model.ModelId;
        if (request.Stream == true && tools is not null)
        {
            await StreamWholeAnswersAsync(context, choices, tools, (id, created, name), request.StreamOptions?.IncludeUsage == true);
            return;
        }
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
        var answer = new ChatCompletion(id, created, name, [.. collected.Select(Choice)], Usage.Of([.. collected.Select(c => c.Stats)]));
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.ChatCompletion);

        ChatChoice Choice(CompletionOutput.CollectedChoice choice, int index)
        {
            var (message, finish) = Answer(choice, tools);
            return new ChatChoice(index, message, finish, options.Logprobs ? ChatLogprobs.Of(choice.Tokens) : null);
        }
    }

    /// <summary>
    /// A streamed answer with tools: a call is only known once the answer is whole, so each choice comes in one chunk at
    /// the end (its text or its calls, each with its index), then its finish chunk, the usage chunk when asked for, and [DONE].
    /// </summary>
    static async Task StreamWholeAnswersAsync(HttpContext context, CompletionChoices choices, ToolCallFormat tools,
                                              (string Id, long Created, string Model) about, bool includeUsage)
    {
        var whole = await CompletionOutput.CollectAsync(choices, context.RequestAborted);
        var events = new ServerSentEvents(context.Response);
        ChatCompletionChunk Chunk(int choice, ChatDelta delta, string? finish) => new(about.Id, about.Created, about.Model, [new ChatChunkChoice(choice, delta, finish)]);
        for (int choice = 0; choice < whole.Length; choice++)
        {
            var (message, finish) = Answer(whole[choice], tools);
            var calls = message.ToolCalls?.Select((call, index) => call with { Index = index }).ToList();
            events.Write(Chunk(choice, new ChatDelta("assistant", message.Content, calls), null), ServerJsonContext.Web.ChatCompletionChunk);
            events.Write(Chunk(choice, new ChatDelta(null, null), finish), ServerJsonContext.Web.ChatCompletionChunk);
        }
        if (includeUsage)
            events.Write(new ChatCompletionChunk(about.Id, about.Created, about.Model, [], Usage.Of([.. whole.Select(c => c.Stats)])), ServerJsonContext.Web.ChatCompletionChunk);
        await events.DoneAsync(context.RequestAborted);
    }

    /// <summary>A choice's message and finish reason: its text, or with tools the calls it made (finish reason tool_calls).</summary>
    static (AssistantMessage Message, string Finish) Answer(CompletionOutput.CollectedChoice choice, ToolCallFormat? tools)
    {
        string finish = choice.Stats.FinishReason;
        if (tools is null || finish == "length") return (new AssistantMessage(choice.Text), finish);
        var reply = tools.Parse(choice.Text);
        if (reply.Calls.Count == 0) return (new AssistantMessage(reply.Content), finish);
        return (new AssistantMessage(null, [.. reply.Calls.Select(c => new ToolCallOut(c.Id, new CalledFunction(c.Name, c.Arguments)))]), "tool_calls");
    }

    /// <summary>
    /// The request's prompt tokens, options, number of choices and tool-call format (null without tools), every field
    /// checked (a bad one is a 400 naming it).
    /// </summary>
    internal static (int[] Prompt, CompletionOptions Options, int Choices, ToolCallFormat? Tools) Read(BitNetModel model, ChatCompletionRequest request)
    {
        var tools = ChatToolFields.Read(request);
        var prompt = ChatPrompt.Render(model, request.Messages, tools);
        string limitField = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var logprobs = LogprobFields.OfChat(request.Logprobs, request.TopLogprobs);
        var options = RequestOptions.From(request, model, request.MaxCompletionTokens ?? request.MaxTokens, limitField, logprobs);
        if (tools is not null)
        {
            if (options.JsonObject) throw ApiException.BadRequest("response_format json_object or json_schema cannot be combined with tools: the answer's format is the tool-call format", "response_format");
            options = options with { JsonSchema = tools.Schema };
        }
        return (prompt, options, RequestOptions.Choices(request.N), tools);
    }
}
