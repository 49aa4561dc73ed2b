using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The body of POST /v1/completions.</summary>
internal sealed class CompletionRequest : SamplingFields
{
    /// <summary>A string, an array of token ids, or an array holding one of those.</summary>
    [JsonPropertyName("prompt")] public JsonElement? Prompt { get; set; }
    /// <summary>Return each generated token's log-probability with this many of the step's most likely tokens (0 to 20).</summary>
    [JsonPropertyName("logprobs")] public int? Logprobs { get; set; }
    /// <summary>Return the prompt before the completion (and with logprobs, its tokens' log-probabilities first).</summary>
    [JsonPropertyName("echo")] public bool? Echo { get; set; }
    /// <summary>vLLM's: each prompt token's log-probability, with this many of each position's most likely tokens (0 to 20).</summary>
    [JsonPropertyName("prompt_logprobs")] public int? PromptLogprobs { get; set; }
    /// <summary>llama-server's: a GBNF grammar the answer is held to.</summary>
    [JsonPropertyName("grammar")] public string? Grammar { get; set; }
}
