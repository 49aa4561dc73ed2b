using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>OpenAI's usage object: the tokens a request read and wrote.</summary>
internal sealed record Usage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens)
{
    /// <summary>The usage of a request's choices: the prompt once (they share it), every choice's completion tokens.</summary>
    public static Usage Of(IReadOnlyList<CompletionStats> choices)
    {
        int prompt = choices[0].PromptTokens, completion = choices.Sum(c => c.CompletionTokens);
        return new(prompt, completion, prompt + completion);
    }
}
