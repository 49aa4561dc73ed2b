using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>The body of POST /v1/completions.</summary>
internal sealed class CompletionRequest : SamplingFields
{
    /// <summary>A string, an array of token ids, or an array holding one of those.</summary>
    [JsonPropertyName("prompt")] public JsonElement? Prompt { get; set; }
}
