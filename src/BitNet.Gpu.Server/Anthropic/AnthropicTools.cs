using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Anthropic;

/// <summary>
/// The <see cref="ToolCallFormat"/> of a Messages request's tools ({"name", "description", "input_schema"}) and
/// tool_choice (auto, any: at least one call, tool: that one, none); null without tools or with none.
/// disable_parallel_tool_use allows one call. Anthropic's server tools (web search, bash, ...) are a 400.
/// </summary>
internal static class AnthropicTools
{
    public static ToolCallFormat? Read(MessagesRequest request)
    {
        var choice = request.ToolChoice;
        var (mode, only) = choice?.Type switch
        {
            null or "auto" => ((ToolCallMode?)ToolCallMode.Auto, (string?)null),
            "any" => (ToolCallMode.Required, null),
            "tool" => (ToolCallMode.Required, choice.Name ?? throw ApiException.BadRequest("tool_choice.name is required with type tool", "tool_choice.name")),
            "none" => (null, null),
            var other => throw ApiException.BadRequest($"tool_choice.type '{other}' is not known (auto, any, tool or none)", "tool_choice.type"),
        };
        if (ChatToolFields.NoneNeeded(request.Tools?.Count ?? 0, mode)) return null;
        var fields = request.Tools!;
        var tools = new List<FunctionTool>();
        for (int i = 0; i < fields.Count; i++)
        {
            string field = $"tools[{i}]";
            var tool = fields[i] ?? throw ApiException.BadRequest($"{field} must be an object, got null", field);
            if (tool.Type is not (null or "custom"))
                throw ApiException.BadRequest($"{field}.type '{tool.Type}' is a server tool, which does not run here (leave type out for a tool of your own)", $"{field}.type");
            tools.Add(new FunctionTool(tool.Name!, tool.Description, tool.InputSchema is { ValueKind: not JsonValueKind.Null } schema ? schema : null));
        }
        return ChatToolFields.Build(tools, mode.Value, only, choice?.DisableParallelToolUse != true);
    }
}
