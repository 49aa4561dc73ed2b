using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Gpu;

/// <summary>
/// The <see cref="ToolCallFormat"/> for <see cref="ChatOptions.Tools"/> (functions: <see cref="AIFunctionDeclaration"/>),
/// <see cref="ChatOptions.ToolMode"/> (auto, require any, require one by name, none) and
/// <see cref="ChatOptions.AllowMultipleToolCalls"/>; null where there are no tools or the mode is none.
/// </summary>
internal static class ChatToolsReader
{
    public static ToolCallFormat? Read(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode) return null;
        if (options.ResponseFormat is ChatResponseFormatJson)
            throw new NotSupportedException("ChatOptions.ResponseFormat Json together with Tools: the answer's format is the tool-call format");
        var functions = new List<FunctionTool>();
        for (int i = 0; i < tools.Count; i++)
        {
            if (tools[i] is not AIFunctionDeclaration function)
                throw new NotSupportedException($"ChatOptions.Tools[{i}] is a {tools[i]?.GetType().Name ?? "null"}: this model client calls functions only");
            functions.Add(new FunctionTool(function.Name, function.Description, function.JsonSchema.ValueKind == JsonValueKind.Undefined ? null : function.JsonSchema));
        }
        var choice = ToolCallMode.Auto;
        if (options.ToolMode is RequiredChatToolMode required)
        {
            choice = ToolCallMode.Required;
            if (required.RequiredFunctionName is { } name)
                functions = functions.Where(f => f.Name == name).ToList() is { Count: > 0 } named ? named
                    : throw new ArgumentException($"ChatOptions.ToolMode requires '{name}', which ChatOptions.Tools does not hold", "ToolMode");
        }
        return ToolCallFormat.Create(functions, choice, options.AllowMultipleToolCalls ?? true);
    }

    /// <summary>A call's arguments for <see cref="FunctionCallContent"/>: the object's members as JSON elements.</summary>
    public static Dictionary<string, object?> Arguments(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
            : [];
    }
}
