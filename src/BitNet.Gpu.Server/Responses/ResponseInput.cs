using System.Text;
using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// The conversation turns of a Responses request's input: a string is one user message; an array holds message items
/// (roles user, system, developer (as system) and assistant; content a string or text parts), function_call items
/// (consecutive calls are one assistant turn) and function_call_output items, written in the tool-call format as chat
/// writes tool_calls and tool messages. Reasoning items carry nothing this server reads and are passed over. Any other
/// item, a non-text part or a missing field is a 400 naming it (input[i]...).
/// </summary>
internal static class ResponseInput
{
    /// <summary>Adds the input's turns to <paramref name="conversation"/>; <paramref name="callNames"/> (call id → function
    /// name) gains the input's calls and names the results that answer them.</summary>
    public static void Read(JsonElement? input, List<(string Role, string Content)> conversation, Dictionary<string, string> callNames)
    {
        if (input is not { ValueKind: not JsonValueKind.Null } element)
            throw ApiException.BadRequest("input is required: a string or an array of input items", "input");
        if (element.ValueKind == JsonValueKind.String)
        {
            conversation.Add(("user", element.GetString()!));
            return;
        }
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"input must be a string or an array of input items, got {RequestOptions.Kind(element)}", "input");

        var calls = new List<(string Name, string Arguments)>(); // consecutive function_call items: one assistant turn
        void EndCalls()
        {
            if (calls.Count == 0) return;
            conversation.Add(("assistant", ToolCallFormat.CallsMessage(calls)));
            calls.Clear();
        }
        int index = 0;
        foreach (var item in element.EnumerateArray())
        {
            string field = $"input[{index++}]";
            switch (TypeOf(item, field))
            {
                case "message":
                    EndCalls();
                    conversation.Add(Message(item, field));
                    break;
                case "function_call":
                    calls.Add(Call(item, field, callNames));
                    break;
                case "function_call_output":
                    EndCalls();
                    string callId = JsonBody.RequiredString(item, "call_id", field);
                    conversation.Add(("user", ToolCallFormat.ResultMessage(callNames.GetValueOrDefault(callId), callId, Output(item, field))));
                    break;
                case "reasoning":
                    break;
                case var other:
                    throw ApiException.BadRequest($"{field}.type '{other}' is not supported (message, function_call or function_call_output)", $"{field}.type");
            }
        }
        EndCalls();
        if (index == 0) throw ApiException.BadRequest("input must hold at least one item", "input");
    }

    /// <summary>An item's type; an item with a role and no type is a message, as OpenAI's easy input messages are.</summary>
    static string TypeOf(JsonElement item, string field)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw ApiException.BadRequest($"{field} must be an object, got {RequestOptions.Kind(item)}", field);
        if (item.TryGetProperty("type", out var type))
            return type.ValueKind == JsonValueKind.String ? type.GetString()!
                : throw ApiException.BadRequest($"{field}.type must be a string, got {RequestOptions.Kind(type)}", $"{field}.type");
        return item.TryGetProperty("role", out _) ? "message"
            : throw ApiException.BadRequest($"{field} needs a type (message, function_call or function_call_output) or a role", field);
    }

    static (string Role, string Content) Message(JsonElement item, string field)
    {
        string role = JsonBody.RequiredString(item, "role", field) switch
        {
            "user" => "user",
            "system" or "developer" => "system",
            "assistant" => "assistant",
            var other => throw ApiException.BadRequest($"{field}.role '{other}' is not supported (user, system, developer or assistant)", $"{field}.role"),
        };
        if (!item.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            throw ApiException.BadRequest($"{field}.content is required", $"{field}.content");
        return (role, Text(content, $"{field}.content"));
    }

    static (string Name, string Arguments) Call(JsonElement item, string field, Dictionary<string, string> callNames)
    {
        string name = JsonBody.RequiredString(item, "name", field);
        string arguments = JsonBody.RequiredString(item, "arguments", field);
        if (item.TryGetProperty("call_id", out var id) && id.ValueKind == JsonValueKind.String) callNames[id.GetString()!] = name;
        return (name, arguments);
    }

    /// <summary>A function_call_output's output: a string, or text parts.</summary>
    static string Output(JsonElement item, string field) =>
        item.TryGetProperty("output", out var output) && output.ValueKind is JsonValueKind.String or JsonValueKind.Array
            ? Text(output, $"{field}.output")
            : throw ApiException.BadRequest($"{field}.output is required: a string or an array of text parts", $"{field}.output");

    /// <summary>Content as text: a string, or an array of input_text / output_text / refusal parts joined.</summary>
    static string Text(JsonElement content, string field)
    {
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"{field} must be a string or an array of text parts, got {RequestOptions.Kind(content)}", field);
        var text = new StringBuilder();
        int index = 0;
        foreach (var part in content.EnumerateArray())
        {
            string partField = $"{field}[{index++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.BadRequest($"{partField} must be an object with a type", partField);
            string key = type.GetString() switch
            {
                "input_text" or "output_text" or "text" => "text",
                "refusal" => "refusal",
                var other => throw ApiException.BadRequest($"{partField} has type '{other}'; only text parts (input_text, output_text) are supported", partField),
            };
            text.Append(JsonBody.RequiredString(part, key, partField));
        }
        return text.ToString();
    }
}
