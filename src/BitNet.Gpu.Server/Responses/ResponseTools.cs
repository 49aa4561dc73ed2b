using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// The <see cref="ToolCallFormat"/> of a Responses request's tools (function tools, flat: {"type": "function", "name",
/// "description", "parameters"}), tool_choice and parallel_tool_calls; null without tools or with tool_choice "none".
/// OpenAI's hosted tools (web_search, file_search, ...) do not run here: a 400 naming the tool.
/// </summary>
internal static class ResponseTools
{
    public static ToolCallFormat? Read(ResponseRequest request)
    {
        var (choice, only) = Choice(request.ToolChoice);
        if (ChatToolFields.NoneNeeded(request.Tools?.Count ?? 0, choice)) return null;
        var fields = request.Tools!;
        var tools = new List<FunctionTool>();
        for (int i = 0; i < fields.Count; i++)
        {
            string field = $"tools[{i}]";
            var tool = fields[i] ?? throw ApiException.BadRequest($"{field} must be an object, got null", field);
            if (tool.Type != "function")
                throw ApiException.BadRequest($"{field}.type must be \"function\" (hosted tools do not run on this server), got {ChatToolFields.Quoted(tool.Type)}", $"{field}.type");
            tools.Add(new FunctionTool(tool.Name!, tool.Description, tool.Parameters is { ValueKind: JsonValueKind.Null } ? null : tool.Parameters));
        }
        return ChatToolFields.Build(tools, choice.Value, only, request.ParallelToolCalls ?? true);
    }

    /// <summary>tool_choice: Auto (absent or "auto"), Required ("required", or {"type": "function", "name": ...}), or null for "none".</summary>
    static (ToolCallMode? Choice, string? Only) Choice(JsonElement? choice)
    {
        if (choice is not { ValueKind: not JsonValueKind.Null } element) return (ToolCallMode.Auto, null);
        if (element.ValueKind == JsonValueKind.String)
            return element.GetString() switch
            {
                "auto" => (ToolCallMode.Auto, null),
                "none" => (null, null),
                "required" => (ToolCallMode.Required, null),
                var other => throw ApiException.BadRequest($"tool_choice '{other}' is not known (auto, none, required, or a function)", "tool_choice"),
            };
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && type.GetString() == "function" && element.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            return (ToolCallMode.Required, name.GetString());
        throw ApiException.BadRequest("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\": ...}", "tool_choice");
    }
}
