using System.Text.Json;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The <see cref="ToolCallFormat"/> of a chat request's tools, tool_choice and parallel_tool_calls; null without tools
/// or with tool_choice "none". A bad tool or choice is a 400 naming the field.
/// </summary>
internal static class ChatToolFields
{
    public static ToolCallFormat? Read(ChatCompletionRequest request)
    {
        var (choice, only) = Choice(request.ToolChoice);
        if (NoneNeeded(request.Tools?.Count ?? 0, choice)) return null;
        return Build(Functions(request.Tools!), choice.Value, only, request.ParallelToolCalls ?? true);
    }

    /// <summary>Tools in OpenAI's chat shape, <c>{"type": "function", "function": {...}}</c> (Ollama's too), each checked.</summary>
    internal static List<FunctionTool> Functions(List<ToolFields?> fields)
    {
        var tools = new List<FunctionTool>(fields.Count);
        for (int i = 0; i < fields.Count; i++)
        {
            string field = $"tools[{i}]";
            var tool = fields[i] ?? throw ApiException.BadRequest($"{field} must be an object, got null", field);
            if (tool.Type != "function") throw ApiException.BadRequest($"{field}.type must be \"function\", got {Quoted(tool.Type)}", $"{field}.type");
            var function = tool.Function ?? throw ApiException.BadRequest($"{field}.function is required", $"{field}.function");
            tools.Add(new FunctionTool(function.Name!, function.Description, function.Parameters is { ValueKind: JsonValueKind.Null } ? null : function.Parameters));
        }
        return tools;
    }

    /// <summary>
    /// Whether a request needs no tool-call format: it has no tools (then a choice that requires one is a 400), or its
    /// tool_choice is none (<paramref name="choice"/> null). Every API's tool reader asks this first.
    /// </summary>
    internal static bool NoneNeeded(int toolCount, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] ToolCallMode? choice)
    {
        if (toolCount == 0)
            return choice != ToolCallMode.Required ? true
                : throw ApiException.BadRequest("tool_choice asks for a tool, but tools is empty", "tool_choice");
        return choice is null;
    }

    /// <summary>
    /// The format of a request's function tools (chat's or the Responses API's): all of them, or the one tool_choice names
    /// (a 400 when tools lacks it); a bad tool is a 400 naming tools[i].
    /// </summary>
    internal static ToolCallFormat Build(List<FunctionTool> tools, ToolCallMode choice, string? only, bool parallelCalls)
    {
        if (only is not null)
            tools = tools.Where(t => t.Name == only).ToList() is { Count: > 0 } named ? named
                : throw ApiException.BadRequest($"tool_choice names '{only}', which tools does not hold", "tool_choice");
        try
        {
            return ToolCallFormat.Create(tools, choice, parallelCalls);
        }
        catch (ArgumentException e)
        {
            string message = e.Message.Split(" (Parameter")[0];
            throw ApiException.BadRequest(message, message.StartsWith("tools[") ? message[..(message.IndexOf(']') + 1)] : "tools");
        }
    }

    /// <summary>tool_choice: Auto (absent or "auto"), Required ("required", or a function by name), or null for "none".</summary>
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
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            return (ToolCallMode.Required, name.GetString());
        throw ApiException.BadRequest("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice");
    }

    internal static string Quoted(string? text) => text is null ? "nothing" : $"\"{text}\"";
}
