using System.Text.Json;

namespace BitNet.Gpu;

/// <summary>
/// A function the model may call (see <see cref="ToolCallFormat"/>): its name (letters, digits, '_' and '-', up to 64),
/// what it does, and the JSON Schema of its arguments, an object (null: any object).
/// </summary>
/// <example><c>new ChatTool("get_weather", "The weather in a city", JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement)</c></example>
public sealed record ChatTool(string Name, string? Description = null, JsonElement? Parameters = null);

/// <summary>A call the model made: an id to answer it with, the tool's name, and its arguments as a JSON object's text.</summary>
public sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>What the model answered under a <see cref="ToolCallFormat"/>: text, or calls (then <see cref="Content"/> is null).</summary>
public sealed record ToolReply(string? Content, IReadOnlyList<ToolCall> Calls);

/// <summary>Whether the model may answer in text (<see cref="Auto"/>) or must call a tool (<see cref="Required"/>).</summary>
public enum ToolChoice
{
    Auto,
    Required,
}
