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
    /// <summary>vLLM's: each prompt token's log-probability, with this many of each position's most likely tokens (0 to 20).</summary>
    [JsonPropertyName("prompt_logprobs")] public int? PromptLogprobs { get; set; }
    /// <summary>llama-server's: a GBNF grammar the answer is held to.</summary>
    [JsonPropertyName("grammar")] public string? Grammar { get; set; }
    /// <summary>Functions the model may call (see ToolCallFormat).</summary>
    [JsonPropertyName("tools")] public List<ToolFields?>? Tools { get; set; }
    /// <summary>"auto", "none", "required", or {"type": "function", "function": {"name": ...}}.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; set; }
    /// <summary>False: at most one call per answer.</summary>
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; set; }
}

/// <summary>
/// One message of a chat request: a role and its content (a string, or an array of text parts); an assistant's calls;
/// for role tool, the id of the call it answers.
/// </summary>
internal sealed class ChatMessageFields
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public JsonElement? Content { get; set; }
    [JsonPropertyName("tool_calls")] public List<ToolCallFields?>? ToolCalls { get; set; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
}
