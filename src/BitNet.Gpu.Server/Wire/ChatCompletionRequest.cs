using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The body of POST /v1/chat/completions.</summary>
internal sealed class ChatCompletionRequest : SamplingFields
{
    [JsonPropertyName("messages")] public List<ChatMessageFields?>? Messages { get; set; }
    /// <summary>OpenAI's newer name for max_tokens; wins when both are given.</summary>
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; set; }
    /// <summary>Return each generated token's log-probability.</summary>
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    /// <summary>With logprobs, also this many of each step's most likely tokens (0 to 20).</summary>
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
}

/// <summary>One message of a chat request: a role and its content (a string, or an array of text parts).</summary>
internal sealed class ChatMessageFields
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public JsonElement? Content { get; set; }
}
