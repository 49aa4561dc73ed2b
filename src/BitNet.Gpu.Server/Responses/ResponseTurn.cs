using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// One request of the Responses API, read and checked (a bad field is a 400 naming it): the conversation it continues
/// (a stored response's, by previous_response_id) with its input added, the prompt the chat template makes of that with
/// the instructions and tools, the completion's options (their fit in the context is checked where the completion
/// starts, <see cref="CompletionStarter"/>), and the response it becomes: <see cref="Draft"/> while it
/// runs, <see cref="Finish"/> once the completion ends, <see cref="Kept"/> for the store.
/// </summary>
internal sealed class ResponseTurn
{
    /// <summary>The log-probabilities an include list can ask for.</summary>
    public const string LogprobsInclude = "message.output_text.logprobs";

    static readonly JsonElement Auto = JsonDocument.Parse("\"auto\"").RootElement.Clone();
    static readonly JsonElement NoMetadata = JsonDocument.Parse("{}").RootElement.Clone();

    public required int[] Prompt { get; init; }
    public required CompletionOptions Options { get; init; }
    /// <summary>The tool-call format, or null without tools.</summary>
    public ToolCallFormat? Tools { get; init; }
    /// <summary>The response while it runs: status in_progress, no output yet.</summary>
    public required ResponseObject Draft { get; init; }
    /// <summary>The id of the assistant message the output text goes into.</summary>
    public string MessageId { get; } = "msg_" + Guid.NewGuid().ToString("N");

    /// <summary>This request's input items, as input_items lists them.</summary>
    public IReadOnlyList<JsonElement> InputItems { get; init; } = [];

    /// <summary>The conversation so far (a previous response's and this input), and the calls' names in it.</summary>
    List<(string Role, string Content)> Conversation { get; init; } = [];
    Dictionary<string, string> CallNames { get; init; } = [];

    public static ResponseTurn Read(BitNetModel model, ResponseRequest request, ResponseStore store)
    {
        if (request.Background == true)
            throw ApiException.BadRequest("background responses are not supported; stream the response or wait for it", "background");
        if (request.Conversation is { ValueKind: not JsonValueKind.Null })
            throw ApiException.BadRequest("conversation objects are not supported; use previous_response_id or send the whole conversation in input", "conversation");
        var previous = Previous(request.PreviousResponseId, store);
        var conversation = previous?.Conversation.ToList() ?? [];
        var callNames = previous?.CallNames.ToDictionary() ?? [];
        ResponseInput.Read(request.Input, conversation, callNames);

        var tools = ResponseTools.Read(request);
        var format = Format(request.Text?.Format);
        int[] prompt = ChatPrompt.RenderTurns(model, WithInstructions(request.Instructions, conversation, tools), "input");
        var options = ReadOptions(model, request, format);
        if (tools is not null)
        {
            if (options.JsonObject) throw ApiException.BadRequest("text.format json_object or json_schema cannot be combined with tools: the answer's format is the tool-call format", "text.format");
            options = options with { JsonSchema = tools.Schema };
        }
        return new ResponseTurn
        {
            Prompt = prompt,
            Options = options,
            Tools = tools,
            Conversation = conversation,
            CallNames = callNames,
            InputItems = request.Store != false && store.Capacity > 0 ? ResponseInputItems.Of(request.Input!.Value) : [],
            Draft = new ResponseObject
            {
                Id = "resp_" + Guid.NewGuid().ToString("N"),
                CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                Status = "in_progress",
                Instructions = request.Instructions,
                MaxOutputTokens = request.MaxOutputTokens,
                Model = model.ModelId,
                Output = [],
                ParallelToolCalls = request.ParallelToolCalls ?? true,
                PreviousResponseId = request.PreviousResponseId,
                Temperature = options.Temperature,
                TopP = options.TopP,
                ToolChoice = request.ToolChoice is { ValueKind: not JsonValueKind.Null } choice ? choice : Auto,
                Tools = request.Tools is { } given ? [.. given.OfType<ResponseToolFields>()] : [],
                Text = new ResponseText(format),
                Metadata = Metadata(request.Metadata),
                Store = request.Store != false && store.Capacity > 0,
            },
        };
    }

    /// <summary>
    /// The finished response: the completion's text as a message, or with tools the calls it made (<paramref name="reply"/>
    /// when the answer was read as it streamed, so that the calls keep the ids they were announced with). A response the
    /// token limit cut is incomplete, with what came: the text so far, or the calls so far.
    /// </summary>
    public ResponseObject Finish(string text, IReadOnlyList<CompletionToken> tokens, CompletionStats stats, ToolReply? reply = null)
    {
        bool cut = stats.FinishReason == "length";
        OutputItem[] output;
        if (Tools is not null)
        {
            reply ??= Tools.Parse(text);
            output = reply.Calls.Count > 0
                ? [.. reply.Calls.Select(call => CallItem(call.Id, call.Name, call.Arguments, cut ? "incomplete" : "completed"))]
                : [Message(reply.Content ?? "", [], cut)];
        }
        else
            output = [Message(text, Options.Logprobs ? [.. tokens.Select(ChatTokenLogprob.Of)] : [], cut)];
        return Draft with
        {
            Status = cut ? "incomplete" : "completed",
            IncompleteDetails = cut ? new IncompleteDetails("max_output_tokens") : null,
            Output = output,
            Usage = ResponseUsage.Of(stats),
        };
    }

    /// <summary>A function_call item; its id is the call's, "fc_" for "call_".</summary>
    public static OutputFunctionCall CallItem(string callId, string name, string arguments, string status) =>
        new() { Id = "fc_" + callId[(callId.IndexOf('_') + 1)..], Status = status, CallId = callId, Name = name, Arguments = arguments };

    public OutputMessage Message(string text, IReadOnlyList<ChatTokenLogprob> logprobs, bool cut) =>
        new() { Id = MessageId, Status = cut ? "incomplete" : "completed", Content = [new OutputText(text, logprobs)] };

    /// <summary>What the store keeps of a finished response (null when the request asked not to be kept): the
    /// conversation with the response's output as the assistant's turn.</summary>
    public ResponseStore.Entry? Kept(ResponseObject response)
    {
        if (!Draft.Store) return null;
        var conversation = Conversation.ToList();
        var callNames = new Dictionary<string, string>(CallNames);
        var calls = response.Output.OfType<OutputFunctionCall>().ToList();
        if (calls.Count > 0)
        {
            conversation.Add(("assistant", ToolCallFormat.CallsMessage(calls.Select(c => (c.Name, c.Arguments)))));
            foreach (var call in calls) callNames[call.CallId] = call.Name;
        }
        else
            conversation.Add(("assistant", string.Concat(response.Output.OfType<OutputMessage>().SelectMany(m => m.Content).Select(c => c.Text))));
        long size = 2 * conversation.Sum(turn => (long)turn.Content.Length) + JsonSerializer.SerializeToUtf8Bytes(response, ServerJsonContext.Web.ResponseObject).Length
                    + InputItems.Sum(item => 2L * item.GetRawText().Length);
        return new ResponseStore.Entry(response, conversation, callNames, InputItems, size);
    }

    static ResponseStore.Entry? Previous(string? id, ResponseStore store) => id switch
    {
        null => null,
        _ => store.Get(id) ?? throw ApiException.BadRequest(
            store.Capacity == 0 ? $"previous_response_id '{id}': this server keeps no responses (started with none to store); send the whole conversation in input"
                                : $"previous response '{id}' is not kept here (unknown, stored with store false, deleted, or dropped as the oldest)",
            "previous_response_id", "previous_response_not_found"),
    };

    /// <summary>Instructions go first as the system message (joined with a system message the conversation starts with),
    /// then the tools' description, as chat's system message and tools do.</summary>
    static List<(string Role, string Content)> WithInstructions(string? instructions, List<(string Role, string Content)> conversation, ToolCallFormat? tools)
    {
        var turns = conversation.ToList();
        if (!string.IsNullOrEmpty(instructions))
        {
            if (turns.Count > 0 && turns[0].Role == "system") turns[0] = ("system", instructions + "\n\n" + turns[0].Content);
            else turns.Insert(0, ("system", instructions));
        }
        return tools is null ? turns : tools.WithInstructions(turns);
    }

    /// <summary>text.format: text (or absent), json_object, or json_schema with its schema.</summary>
    static ResponseFormatFields Format(ResponseFormatFields? format)
    {
        if (format is null) return new ResponseFormatFields { Type = "text" };
        return format.Type switch
        {
            null => throw ApiException.BadRequest("text.format.type is required (text, json_object or json_schema)", "text.format"),
            "text" or "json_object" => format,
            "json_schema" when format.Schema is not { ValueKind: not JsonValueKind.Null } =>
                throw ApiException.BadRequest("text.format.schema is required with type json_schema", "text.format"),
            "json_schema" => format,
            var other => throw ApiException.BadRequest($"text.format.type '{other}' is not supported (use text, json_object or json_schema)", "text.format"),
        };
    }

    /// <summary>The completion's options: the sampling fields as chat reads them, max_output_tokens, the format, and the
    /// log-probabilities that include (or top_logprobs) asks for.</summary>
    static CompletionOptions ReadOptions(BitNetModel model, ResponseRequest request, ResponseFormatFields format)
    {
        request.ResponseFormat = format.Type switch
        {
            "json_object" => new ResponseFormat { Type = "json_object" },
            "json_schema" => new ResponseFormat { Type = "json_schema", JsonSchema = new JsonSchemaFormat { Name = format.Name, Schema = format.Schema } },
            _ => null,
        };
        bool logprobs = request.Include?.Contains(LogprobsInclude) == true || request.TopLogprobs > 0;
        string limitField = request.MaxOutputTokens is not null ? "max_output_tokens" : "max_tokens";
        return RequestOptions.From(request, model, request.MaxOutputTokens ?? request.MaxTokens, limitField,
                                   LogprobFields.OfChat(logprobs, request.TopLogprobs), schemaField: "text.format");
    }

    static JsonElement Metadata(JsonElement? metadata) => metadata switch
    {
        null or { ValueKind: JsonValueKind.Null } => NoMetadata,
        { ValueKind: JsonValueKind.Object } given => given,
        { } other => throw ApiException.BadRequest($"metadata must be an object of strings, got {RequestOptions.Kind(other)}", "metadata"),
    };
}
