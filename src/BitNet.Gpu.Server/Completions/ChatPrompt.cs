using System.Text;
using System.Text.Json;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The prompt tokens of a chat request: its messages through the model's chat template. Roles are system, user,
/// assistant and tool (developer, OpenAI's newer name for system, counts as system); content is a string or an array of
/// text parts. An assistant's tool_calls and each tool message are written in the tool-call format (see
/// <see cref="ToolCallFormat"/>), and with tools their description comes first. A missing or empty conversation, a
/// missing or unknown role or content of another kind is a 400 naming the message.
/// </summary>
internal static class ChatPrompt
{
    public static int[] Render(BitNetModel model, List<ChatMessageFields?>? messages, ToolCallFormat? tools = null) =>
        RenderTurns(model, Turns(messages, tools), "messages");

    /// <summary>The request's messages as the conversation's turns (tool calls and results in the tool-call format, the
    /// tools' description first), each message checked.</summary>
    public static List<(string Role, string Content)> Turns(List<ChatMessageFields?>? messages, ToolCallFormat? tools)
    {
        if (messages is null) throw ApiException.BadRequest("messages is required: an array of {\"role\", \"content\"} objects", "messages");
        if (messages.Count == 0) throw ApiException.BadRequest("messages must hold at least one message", "messages");
        var conversation = new List<(string Role, string Content)>(messages.Count);
        var callNames = new Dictionary<string, string>(); // call id → function name, for the tool messages that answer them
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw ApiException.BadRequest($"messages[{i}] must be an object, got null", $"messages[{i}]");
            string role = message.Role switch
            {
                null => throw ApiException.BadRequest($"messages[{i}].role is required (system, user, assistant or tool)", $"messages[{i}].role"),
                "system" or "user" or "assistant" or "tool" => message.Role,
                "developer" => "system",
                _ => throw ApiException.BadRequest($"messages[{i}].role '{message.Role}' is not supported (use system, user, assistant or tool)", $"messages[{i}].role"),
            };
            if (role == "assistant" && message.ToolCalls is { Count: > 0 } calls)
                conversation.Add(("assistant", ToolCallFormat.CallsMessage(Calls(calls, i, callNames))));
            else if (role == "tool")
                conversation.Add(("user", ToolCallFormat.ResultMessage(message.ToolCallId is { } id ? callNames.GetValueOrDefault(id) ?? message.Name : message.Name,
                                                                       message.ToolCallId, Content(message.Content, role, i))));
            else
                conversation.Add((role, Content(message.Content, role, i)));
        }
        return tools is null ? conversation : tools.WithInstructions(conversation);
    }

    /// <summary>The turns through the model's chat template; what the template refuses is a 400 naming <paramref name="field"/>.</summary>
    public static int[] RenderTurns(BitNetModel model, IReadOnlyList<(string Role, string Content)> turns, string field) =>
        Refusing(() => model.RenderChat(turns), field);

    /// <summary>The text the chat template makes of the turns (POST /apply-template), refused as <see cref="RenderTurns"/> refuses.</summary>
    public static string RenderText(BitNetModel model, IReadOnlyList<(string Role, string Content)> turns, string field) =>
        Refusing(() => model.RenderChatText(turns), field);

    static T Refusing<T>(Func<T> render, string field)
    {
        try
        {
            return render();
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest(e.Message.Split(" (Parameter")[0], field);
        }
        catch (InvalidOperationException e)
        {
            throw ApiException.BadRequest($"this model cannot chat: {e.Message}; use /v1/completions", field, "no_chat_template");
        }
    }

    /// <summary>An assistant message's tool_calls as (name, arguments' JSON text), each checked.</summary>
    static List<(string Name, string Arguments)> Calls(List<ToolCallFields?> calls, int index, Dictionary<string, string> callNames)
    {
        var result = new List<(string, string)>();
        for (int c = 0; c < calls.Count; c++)
        {
            string field = $"messages[{index}].tool_calls[{c}]";
            var function = calls[c]?.Function ?? throw ApiException.BadRequest($"{field}.function is required", $"{field}.function");
            if (string.IsNullOrEmpty(function.Name)) throw ApiException.BadRequest($"{field}.function.name is required", $"{field}.function.name");
            string arguments = function.Arguments switch
            {
                null or { ValueKind: JsonValueKind.Null } => "{}",
                { ValueKind: JsonValueKind.String } text => text.GetString()!,
                { ValueKind: JsonValueKind.Object } obj => obj.GetRawText(),
                _ => throw ApiException.BadRequest($"{field}.function.arguments must be a string of JSON (or an object)", $"{field}.function.arguments"),
            };
            if (calls[c]!.Id is { } id) callNames[id] = function.Name;
            result.Add((function.Name, arguments));
        }
        return result;
    }

    static string Content(JsonElement? content, string role, int index)
    {
        string field = $"messages[{index}].content";
        if (content is not JsonElement element || element.ValueKind == JsonValueKind.Null)
            return role == "assistant" ? "" : throw ApiException.BadRequest($"{field} is required", field);
        if (element.ValueKind == JsonValueKind.String) return element.GetString()!;
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"{field} must be a string or an array of text parts, got {RequestOptions.Kind(element)}", field);
        var text = new StringBuilder();
        int part = 0;
        foreach (var item in element.EnumerateArray())
        {
            string partField = $"{field}[{part++}]";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.BadRequest($"{partField} must be an object with a type", partField);
            if (type.GetString() != "text")
                throw ApiException.BadRequest($"{partField} has type '{type.GetString()}'; only text parts are supported", partField);
            if (!item.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                throw ApiException.BadRequest($"{partField}.text must be a string", partField);
            text.Append(t.GetString());
        }
        return text.ToString();
    }
}
