using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>
/// A text completion's logprobs (OpenAI's legacy form): per token (the prompt's too, with echo) its text, log-probability,
/// a map of the step's most likely tokens (with the chosen one always in it) and the character offset of its text in the
/// answer's text. The prompt's first token has neither (null): nothing comes before it.
/// </summary>
internal sealed record TextLogprobs(
    [property: JsonPropertyName("tokens")] IReadOnlyList<string> Tokens,
    [property: JsonPropertyName("token_logprobs")] IReadOnlyList<float?> TokenLogprobs,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<Dictionary<string, float>?> TopLogprobs,
    [property: JsonPropertyName("text_offset")] IReadOnlyList<int> TextOffset)
{
    /// <param name="tokens">The tokens of this answer or chunk.</param>
    /// <param name="offset">Characters of completion text before the first of them; advanced past the last.</param>
    public static TextLogprobs Of(IReadOnlyList<CompletionToken> tokens, ref int offset)
    {
        var offsets = new int[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            offsets[i] = offset;
            offset += tokens[i].Text.Length;
        }
        return new TextLogprobs(tokens.Select(t => t.Text).ToArray(), tokens.Select(t => float.IsNaN(t.Logprob) ? (float?)null : t.Logprob).ToArray(),
                                tokens.Select(t => float.IsNaN(t.Logprob) ? null : TopMap(t)).ToArray(), offsets);
    }

    /// <summary>Text → log-probability of the step's most likely tokens and the chosen one; of two tokens with the same
    /// text, the more likely is kept.</summary>
    static Dictionary<string, float> TopMap(CompletionToken token)
    {
        var map = new Dictionary<string, float>(token.Top.Count + 1);
        foreach (var top in token.Top) map.TryAdd(top.Text, top.Logprob);
        map.TryAdd(token.Text, token.Logprob);
        return map;
    }
}
