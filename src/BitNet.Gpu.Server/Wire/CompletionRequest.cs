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
    /// <summary>Return the prompt before the completion: not supported (a 400), rather than ignored.</summary>
    [JsonPropertyName("echo")] public bool? Echo { get; set; }
}
