using System.Text.Json;
using System.Text.Json.Nodes;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// A response's input as GET /v1/responses/{id}/input_items lists it: each item with an id (the client's, else a new
/// one: msg_, fc_, fco_, rs_ by type) and a type; a string input is one user message; a message's string content is one
/// text part (input_text, output_text for the assistant's), with status completed. Read after
/// <see cref="ResponseInput"/> has checked the input.
/// </summary>
internal static class ResponseInputItems
{
    public static JsonElement[] Of(JsonElement input) => input.ValueKind == JsonValueKind.String
        ? [Listed(JsonSerializer.SerializeToElement(new JsonObject { ["role"] = "user", ["content"] = input.GetString() }))]
        : [.. input.EnumerateArray().Select(Listed)];

    /// <summary>The id of a listed item.</summary>
    public static string IdOf(JsonElement item) => item.GetProperty("id").GetString()!;

    /// <summary>The item as listed; a field given twice keeps its last value, as the input was read.</summary>
    static JsonElement Listed(JsonElement item)
    {
        string type = item.TryGetProperty("type", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString()! : "message";
        var listed = new JsonObject
        {
            ["id"] = item.TryGetProperty("id", out var id) ? JsonSerializer.SerializeToNode(id) : NewId(type),
            ["type"] = type,
        };
        foreach (var property in item.EnumerateObject())
            if (property.Name is not ("id" or "type")) listed[property.Name] = JsonSerializer.SerializeToNode(property.Value);
        if (type == "message")
        {
            if (listed["content"] is JsonValue text && text.TryGetValue(out string? content))
                listed["content"] = new JsonArray(new JsonObject
                {
                    ["type"] = listed["role"]?.GetValue<string>() == "assistant" ? "output_text" : "input_text",
                    ["text"] = content,
                });
            listed["status"] ??= "completed";
        }
        return JsonSerializer.SerializeToElement(listed);
    }

    static string NewId(string type) => type switch
    {
        "function_call" => "fc_",
        "function_call_output" => "fco_",
        "reasoning" => "rs_",
        _ => "msg_",
    } + Guid.NewGuid().ToString("N");
}
