using System.Text.Json;

namespace BitNet.Gpu;

/// <summary>
/// A function the model may call (see <see cref="ToolCallFormat"/>): its name (letters, digits, '_' and '-', up to 64),
/// what it does, and the JSON Schema of its arguments, an object (null: any object).
/// </summary>
/// <example><c>new FunctionTool("get_weather", "The weather in a city", JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement)</c></example>
public sealed record FunctionTool(string Name, string? Description = null, JsonElement? Parameters = null);
