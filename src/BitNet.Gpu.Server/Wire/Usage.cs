using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>OpenAI's usage object: the tokens a request read and wrote.</summary>
internal sealed record Usage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens)
{
    public static Usage Of(CompletionStats stats) => new(stats.PromptTokens, stats.CompletionTokens, stats.TotalTokens);
}
