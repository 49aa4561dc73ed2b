using System.Globalization;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>
/// vLLM's prompt_logprobs: one entry per prompt token, null for the first (nothing comes before it), else a map from token
/// id (as a JSON key) to its log-probability, rank and text, holding the prompt's own token and the position's most
/// likely tokens: <c>[null, {"791": {"logprob": -2.1, "rank": 3, "decoded_token": " state"}, ...}, ...]</c>.
/// </summary>
internal static class PromptLogprobs
{
    /// <param name="prompt">The prompt's tokens as the completion scored them (<see cref="CompletionPiece.PromptTokens"/>).</param>
    /// <param name="top">How many of each position's most likely tokens to list besides the prompt's own.</param>
    public static List<Dictionary<string, PromptTokenLogprob>?> Of(IReadOnlyList<CompletionToken> prompt, int top)
    {
        var entries = new List<Dictionary<string, PromptTokenLogprob>?>(prompt.Count);
        for (int i = 0; i < prompt.Count; i++)
        {
            if (i == 0) { entries.Add(null); continue; }
            var token = prompt[i];
            var entry = new Dictionary<string, PromptTokenLogprob> { [Key(token.Id)] = PromptTokenLogprob.Of(token) };
            foreach (var alternative in token.Top.Take(top)) entry.TryAdd(Key(alternative.Id), PromptTokenLogprob.Of(alternative));
            entries.Add(entry);
        }
        return entries;
    }

    static string Key(int id) => id.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One token of a prompt position: its log-probability, its rank by likelihood (1 = most likely) and its text.</summary>
internal sealed record PromptTokenLogprob(
    [property: JsonPropertyName("logprob")] float Logprob,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("decoded_token")] string DecodedToken)
{
    public static PromptTokenLogprob Of(CompletionToken token) => new(token.Logprob, token.Rank, token.Text);
}
