using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Anthropic;

/// <summary>
/// One request of the Messages API, read and checked (a bad field is a 400 naming it): its conversation through the
/// chat template (with the tools' description when it has tools), the completion's options (their fit in the context
/// is checked where the completion starts, <see cref="CompletionStarter"/>), and the message it
/// becomes once the completion ends (<see cref="Finish"/>).
/// </summary>
internal sealed class MessageTurn
{
    /// <summary>The most stop sequences one request may give.</summary>
    public const int MaxStopSequences = RequestOptions.MaxStopStrings;

    public required int[] Prompt { get; init; }
    public required CompletionOptions Options { get; init; }
    /// <summary>The tool-call format, or null without tools.</summary>
    public ToolCallFormat? Tools { get; init; }
    public string Id { get; } = "msg_" + Guid.NewGuid().ToString("N");
    public required string Model { get; init; }

    /// <summary>Reads a request; <paramref name="countOnly"/> (count_tokens) needs no max_tokens.</summary>
    public static MessageTurn Read(BitNetModel model, MessagesRequest request, bool countOnly = false)
    {
        if (request.Thinking is { ValueKind: JsonValueKind.Object } thinking && thinking.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "enabled")
            throw ApiException.BadRequest("extended thinking is not supported by this model; leave thinking out or disabled", "thinking");
        if (!countOnly && request.MaxTokens is null) throw ApiException.BadRequest("max_tokens is required", "max_tokens");
        var tools = AnthropicTools.Read(request);
        var conversation = MessagesInput.Read(request.System, request.Messages);
        int[] prompt = ChatPrompt.RenderTurns(model, tools is null ? conversation : tools.WithInstructions(conversation), "messages");
        var options = ReadOptions(model, request, countOnly);
        if (tools is not null)
        {
            if (options.JsonObject) throw ApiException.BadRequest("output_config.format cannot be combined with tools: the answer's format is the tool-call format", "output_config");
            options = options with { JsonSchema = tools.Schema };
        }
        return new MessageTurn { Prompt = prompt, Options = options, Tools = tools, Model = model.ModelId };
    }

    /// <summary>The finished message: its text, or with tools the calls it made (<paramref name="reply"/> when the
    /// answer was read as it streamed, so that the calls keep the ids they were announced with).</summary>
    public MessageObject Finish(string text, CompletionStats stats, ToolReply? reply = null)
    {
        ContentBlock[] content;
        if (Tools is not null)
        {
            reply ??= Tools.Parse(text);
            content = reply.Calls.Count > 0 ? [.. reply.Calls.Select(c => (ContentBlock)new ToolUseBlock(ToolUseId(c.Id), c.Name, ToolCallArguments.Parse(c.Arguments)))] : [new TextBlock(reply.Content ?? "")];
        }
        else content = [new TextBlock(text)];
        var (reason, sequence) = StopReason(stats, content.Any(c => c is ToolUseBlock));
        return new MessageObject(Id, Model, content, reason, sequence, new MessageUsage(stats.PromptTokens, stats.CompletionTokens));
    }

    /// <summary>Anthropic's stop reason and the stop sequence that ended the answer: end_turn, stop_sequence, max_tokens or tool_use.</summary>
    public static (string Reason, string? Sequence) StopReason(CompletionStats stats, bool calls)
    {
        const string StopString = "stop string ";
        if (stats.FinishReason == "length") return ("max_tokens", null);
        if (calls) return ("tool_use", null);
        return stats.StopReason.StartsWith(StopString, StringComparison.Ordinal) ? ("stop_sequence", stats.StopReason[StopString.Length..]) : ("end_turn", null);
    }

    /// <summary>A call's id as Anthropic writes them: "toolu_" for "call_".</summary>
    public static string ToolUseId(string callId) => "toolu_" + callId[(callId.IndexOf('_') + 1)..];

    /// <summary>The completion's options: the sampling fields as chat reads them, max_tokens, stop_sequences and the
    /// output format (output_config.format, or the earlier output_format).</summary>
    static CompletionOptions ReadOptions(BitNetModel model, MessagesRequest request, bool countOnly)
    {
        var format = request.OutputConfig?.Format ?? request.OutputFormat;
        string formatField = request.OutputConfig?.Format is not null ? "output_config.format" : "output_format";
        request.ResponseFormat = format switch
        {
            null => null,
            { Type: "json_schema", Schema: { ValueKind: not JsonValueKind.Null } schema } => new ResponseFormat { Type = "json_schema", JsonSchema = new JsonSchemaFormat { Schema = schema } },
            { Type: "json_schema" } => throw ApiException.BadRequest($"{formatField}.schema is required with type json_schema", formatField),
            _ => throw ApiException.BadRequest($"{formatField}.type must be json_schema, got {ChatToolFields.Quoted(format.Type)}", formatField),
        };
        request.Stop = null; // Anthropic's name is stop_sequences
        var options = RequestOptions.From(request, model, countOnly ? null : request.MaxTokens, "max_tokens", schemaField: formatField);
        return options with { Stop = StopSequences(request.StopSequences) };
    }

    static IReadOnlyList<string> StopSequences(List<string?>? sequences)
    {
        if (sequences is null) return [];
        if (sequences.Count > MaxStopSequences)
            throw ApiException.BadRequest($"stop_sequences may hold at most {MaxStopSequences} strings, got {sequences.Count}", "stop_sequences");
        for (int i = 0; i < sequences.Count; i++)
            if (string.IsNullOrEmpty(sequences[i])) throw ApiException.BadRequest($"stop_sequences[{i}] must be a non-empty string", "stop_sequences");
        return [.. sequences!];
    }
}
