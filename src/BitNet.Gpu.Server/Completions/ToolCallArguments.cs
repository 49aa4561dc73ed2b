using System.Text.Json;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// A call's arguments as a JSON value, for the APIs that send them as one (Anthropic's tool_use input, Ollama's
/// arguments) rather than as JSON text (OpenAI's).
/// </summary>
internal static class ToolCallArguments
{
    /// <summary>{}: the arguments of a call whose arguments are not whole yet.</summary>
    public static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The arguments' JSON text as a value; arguments the token limit cut are not JSON, and give an empty object.</summary>
    public static JsonElement Parse(string arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(arguments);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return EmptyObject;
        }
    }
}
