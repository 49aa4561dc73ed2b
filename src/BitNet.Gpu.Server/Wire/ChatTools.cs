using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>One entry of a chat request's tools: {"type": "function", "function": {...}}.</summary>
internal sealed class ToolFields
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("function")] public FunctionFields? Function { get; set; }
}

/// <summary>A function tool: its name, description and the JSON Schema of its arguments; strict is always held here.</summary>
internal sealed class FunctionFields
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("parameters")] public JsonElement? Parameters { get; set; }
    [JsonPropertyName("strict")] public bool? Strict { get; set; }
}

/// <summary>A call an earlier assistant message made: its id and the function's name and arguments (JSON text, or an object).</summary>
internal sealed class ToolCallFields
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("function")] public CalledFunctionFields? Function { get; set; }
}

internal sealed class CalledFunctionFields
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("arguments")] public JsonElement? Arguments { get; set; }
}

/// <summary>A call in an answer: type "function", the name and the arguments' JSON text.</summary>
internal sealed record ToolCallOut(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("function")] CalledFunction Function)
{
    [JsonPropertyName("type")] public string Type => "function";
}

internal sealed record CalledFunction(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] string Arguments);
