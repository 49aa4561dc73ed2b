using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>
/// The body of POST /tokenize: llama-server's (<c>content</c>; <c>add_special</c>, default no; <c>parse_special</c>,
/// default yes; <c>with_pieces</c>) or vLLM's (<c>prompt</c> with <c>add_special_tokens</c>, default yes, or chat
/// <c>messages</c> through the template; <c>return_token_strs</c>).
/// </summary>
internal sealed class TokenizeRequest
{
    [JsonPropertyName("content")] public string? Content { get; set; }
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("messages")] public List<ChatMessageFields?>? Messages { get; set; }
    [JsonPropertyName("add_special")] public bool? AddSpecial { get; set; }
    [JsonPropertyName("add_special_tokens")] public bool? AddSpecialTokens { get; set; }
    [JsonPropertyName("parse_special")] public bool? ParseSpecial { get; set; }
    [JsonPropertyName("add_generation_prompt")] public bool? AddGenerationPrompt { get; set; }
    [JsonPropertyName("with_pieces")] public bool? WithPieces { get; set; }
    [JsonPropertyName("return_token_strs")] public bool? ReturnTokenStrings { get; set; }
}

/// <summary>The answer to POST /tokenize: the ids (llama-server's field), their count and the context length (vLLM's).</summary>
internal sealed record TokenizeResponse(
    [property: JsonPropertyName("tokens")] int[] Tokens,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("max_model_len")] int MaxModelLength,
    [property: JsonPropertyName("token_strs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? TokenStrings = null);

/// <summary>The answer to POST /tokenize with <c>with_pieces</c>: each id with its piece.</summary>
internal sealed record TokenPiecesResponse(
    [property: JsonPropertyName("tokens")] TokenPiece[] Tokens,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("max_model_len")] int MaxModelLength,
    [property: JsonPropertyName("token_strs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? TokenStrings = null);

/// <summary>A token and its piece: a string where its bytes are UTF-8, else the bytes as numbers (as llama-server writes it).</summary>
internal sealed record TokenPiece([property: JsonPropertyName("id")] int Id, [property: JsonPropertyName("piece")] JsonElement Piece);

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
