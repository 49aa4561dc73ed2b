using System.Text.Json;
using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.LlamaServer;

/// <summary>
/// The body of llama-server's own POST /completion: the prompt, n_predict, n_probs and json_schema under its names,
/// beside the sampling fields every completion reads (temperature, top_k, top_p, min_p, repeat_penalty, stop, seed, ...).
/// </summary>
internal sealed class NativeCompletionRequest : SamplingFields
{
    /// <summary>A string or an array of token ids.</summary>
    [JsonPropertyName("prompt")] public JsonElement? Prompt { get; set; }
    /// <summary>Tokens to generate at most; -1 (or absent): until the end of text or the context.</summary>
    [JsonPropertyName("n_predict")] public int? NPredict { get; set; }
    /// <summary>Each generated token's probability with this many of the step's most likely tokens (0 to 20).</summary>
    [JsonPropertyName("n_probs")] public int? NProbs { get; set; }
    /// <summary>A JSON Schema the answer must satisfy (structured output).</summary>
    [JsonPropertyName("json_schema")] public JsonElement? JsonSchemaField { get; set; }
    /// <summary>A GBNF grammar the answer is held to (not with json_schema).</summary>
    [JsonPropertyName("grammar")] public string? Grammar { get; set; }
    /// <summary>Keeps generating past the end-of-text token: not supported.</summary>
    [JsonPropertyName("ignore_eos")] public bool? IgnoreEos { get; set; }
    /// <summary>Reusing the slot's cached prompt: always done here, so the field is read and has no effect.</summary>
    [JsonPropertyName("cache_prompt")] public bool? CachePrompt { get; set; }
}
