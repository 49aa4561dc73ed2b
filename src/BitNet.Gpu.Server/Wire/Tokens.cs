using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The body of POST /tokenize (llama-server's): the text, whether to add BOS (default no) and read control-token texts (default yes).</summary>
internal sealed class TokenizeRequest
{
    [JsonPropertyName("content")] public string? Content { get; set; }
    [JsonPropertyName("add_special")] public bool? AddSpecial { get; set; }
    [JsonPropertyName("parse_special")] public bool? ParseSpecial { get; set; }
}

/// <summary>The answer to POST /tokenize.</summary>
internal sealed record TokenizeResponse([property: JsonPropertyName("tokens")] int[] Tokens);

/// <summary>The body of POST /detokenize (llama-server's).</summary>
internal sealed class DetokenizeRequest
{
    [JsonPropertyName("tokens")] public int[]? Tokens { get; set; }
}

/// <summary>The answer to POST /detokenize.</summary>
internal sealed record DetokenizeResponse([property: JsonPropertyName("content")] string Content);

/// <summary>The answer to GET /health: "ok", "loading" or "error" (with the reason).</summary>
internal sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
