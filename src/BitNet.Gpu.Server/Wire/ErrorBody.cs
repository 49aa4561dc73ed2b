using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>OpenAI's error object: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal sealed record ErrorBody([property: JsonPropertyName("error")] ErrorDetail Error);

/// <summary>What went wrong: a message for people, a type and code for programs, and the request field at fault (or null).</summary>
internal sealed record ErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);
