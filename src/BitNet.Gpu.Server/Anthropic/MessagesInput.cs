using System.Text;
using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Anthropic;

/// <summary>
/// The conversation turns of a Messages request: system first, then each message (role user or assistant; content a
/// string or blocks). Text blocks join into one turn; an assistant's tool_use blocks are one turn of calls and each
/// tool_result block a turn of its own, written in the tool-call format as chat writes tool_calls and tool messages.
/// Thinking blocks are passed over. An image, a document or any other block, a missing field or an unknown role is a
/// 400 naming it (messages[i].content[j]...).
/// </summary>
internal static class MessagesInput
{
    public static List<(string Role, string Content)> Read(JsonElement? system, List<JsonElement>? messages)
    {
        if (messages is null) throw ApiException.BadRequest("messages is required: an array of {\"role\", \"content\"} objects", "messages");
        if (messages.Count == 0) throw ApiException.BadRequest("messages must hold at least one message", "messages");
        var conversation = new List<(string Role, string Content)>();
        if (system is { ValueKind: not JsonValueKind.Null } given) conversation.Add(("system", Text(given, "system")));
        var callNames = new Dictionary<string, string>(); // tool_use id → tool name, for the results that answer them
        for (int i = 0; i < messages.Count; i++)
        {
            string field = $"messages[{i}]";
            var message = messages[i];
            if (message.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest($"{field} must be an object, got {RequestOptions.Kind(message)}", field);
            string role = JsonBody.RequiredString(message, "role", field);
            if (role is not ("user" or "assistant"))
                throw ApiException.BadRequest($"{field}.role '{role}' is not supported (user or assistant; the system prompt goes in system)", $"{field}.role");
            if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
                throw ApiException.BadRequest($"{field}.content is required", $"{field}.content");
            if (content.ValueKind == JsonValueKind.String) conversation.Add((role, content.GetString()!));
            else if (content.ValueKind == JsonValueKind.Array) Blocks(content, role, $"{field}.content", conversation, callNames);
            else throw ApiException.BadRequest($"{field}.content must be a string or an array of content blocks, got {RequestOptions.Kind(content)}", $"{field}.content");
        }
        return conversation;
    }

    static void Blocks(JsonElement blocks, string role, string field, List<(string Role, string Content)> conversation, Dictionary<string, string> callNames)
    {
        var text = new StringBuilder();
        bool anyText = false;
        var calls = new List<(string Name, string Arguments)>();
        void EndText()
        {
            if (anyText) conversation.Add((role, text.ToString()));
            anyText = false;
            text.Clear();
        }
        int index = 0;
        foreach (var block in blocks.EnumerateArray())
        {
            string blockField = $"{field}[{index++}]";
            if (block.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest($"{blockField} must be an object, got {RequestOptions.Kind(block)}", blockField);
            switch (JsonBody.RequiredString(block, "type", blockField))
            {
                case "text":
                    text.Append(JsonBody.RequiredString(block, "text", blockField));
                    anyText = true;
                    break;
                case "tool_use" when role == "assistant":
                    string name = JsonBody.RequiredString(block, "name", blockField);
                    if (!block.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
                        throw ApiException.BadRequest($"{blockField}.input is required: an object", $"{blockField}.input");
                    callNames[JsonBody.RequiredString(block, "id", blockField)] = name;
                    calls.Add((name, input.GetRawText()));
                    break;
                case "tool_result" when role == "user":
                    EndText();
                    string id = JsonBody.RequiredString(block, "tool_use_id", blockField);
                    string result = block.TryGetProperty("content", out var output) && output.ValueKind != JsonValueKind.Null ? Text(output, $"{blockField}.content") : "";
                    if (block.TryGetProperty("is_error", out var error) && error.ValueKind == JsonValueKind.True) result = "error: " + result;
                    conversation.Add(("user", ToolCallFormat.ResultMessage(callNames.GetValueOrDefault(id), id, result)));
                    break;
                case "thinking" or "redacted_thinking":
                    break;
                case var other:
                    throw ApiException.BadRequest($"{blockField} has type '{other}', which a {role} message cannot hold here (text{(role == "user" ? ", tool_result" : ", tool_use")})", blockField);
            }
        }
        if (calls.Count > 0) conversation.Add(("assistant", ToolCallFormat.CallsMessage(calls)));
        else if (anyText || index == 0) conversation.Add((role, text.ToString()));
    }

    /// <summary>A string, or text blocks joined.</summary>
    static string Text(JsonElement content, string field)
    {
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"{field} must be a string or an array of text blocks, got {RequestOptions.Kind(content)}", field);
        var text = new StringBuilder();
        int index = 0;
        foreach (var block in content.EnumerateArray())
        {
            string blockField = $"{field}[{index++}]";
            if (block.ValueKind != JsonValueKind.Object || JsonBody.RequiredString(block, "type", blockField) != "text")
                throw ApiException.BadRequest($"{blockField} must be a text block", blockField);
            text.Append(JsonBody.RequiredString(block, "text", blockField));
        }
        return text.ToString();
    }
}
