using System.Text;
using System.Text.Json;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The prompt tokens of a chat request: its messages through the model's chat template. Roles are system, user and
/// assistant (developer, OpenAI's newer name for system, counts as system); content is a string or an array of text
/// parts. A missing or empty conversation, a missing or unknown role or content of another kind is a 400 naming the message.
/// </summary>
internal static class ChatPrompt
{
    public static int[] Render(BitNetModel model, List<ChatMessageFields?>? messages)
    {
        if (messages is null) throw ApiException.BadRequest("messages is required: an array of {\"role\", \"content\"} objects", "messages");
        if (messages.Count == 0) throw ApiException.BadRequest("messages must hold at least one message", "messages");
        var conversation = new List<(string Role, string Content)>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw ApiException.BadRequest($"messages[{i}] must be an object, got null", $"messages[{i}]");
            string role = message.Role switch
            {
                null => throw ApiException.BadRequest($"messages[{i}].role is required (system, user or assistant)", $"messages[{i}].role"),
                "system" or "user" or "assistant" => message.Role,
                "developer" => "system",
                _ => throw ApiException.BadRequest($"messages[{i}].role '{message.Role}' is not supported (use system, user or assistant)", $"messages[{i}].role"),
            };
            conversation.Add((role, Content(message.Content, role, i)));
        }
        try
        {
            return model.RenderChat(conversation);
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest(e.Message.Split(" (Parameter")[0], "messages");
        }
        catch (InvalidOperationException e)
        {
            throw ApiException.BadRequest($"this model cannot chat: {e.Message}; use /v1/completions", "messages", "no_chat_template");
        }
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
