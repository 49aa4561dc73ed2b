using System.Text;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu;

/// <summary>
/// A token of a completion with its log-probability under the model's own distribution (the softmax of the raw logits,
/// before logit bias, penalties, temperature and the sampler's cuts), and, for a generated token, the step's most
/// likely tokens (<see cref="CompletionOptions.TopLogprobs"/> of them, most likely first).
/// <code>await foreach (var piece in stream.ReadPiecesAsync())
///     foreach (var token in piece.Tokens) Console.WriteLine($"{token.Text} {token.Logprob:F3}");</code>
/// </summary>
/// <param name="Id">The token's id in the vocabulary.</param>
/// <param name="Text">Its text; a token holding part of a UTF-8 character shows U+FFFD for it.</param>
/// <param name="Bytes">Its exact bytes (UTF-8, possibly part of a character).</param>
/// <param name="Logprob">ln p(token).</param>
/// <param name="Top">The step's most likely tokens; empty for those alternatives themselves.</param>
public sealed record CompletionToken(int Id, string Text, byte[] Bytes, float Logprob, IReadOnlyList<CompletionToken> Top)
{
    /// <summary>The token's place among the step's tokens by likelihood: 1 + the tokens more likely than it (tied tokens
    /// share a place); an alternative in <see cref="Top"/> has its place in that list. 0 for a prompt's first token.</summary>
    public int Rank { get; init; }

    internal static CompletionToken Of(TokenLogprob logprob, Tokenizer tokenizer)
    {
        var top = new CompletionToken[logprob.Top.Count];
        for (int i = 0; i < top.Length; i++) top[i] = Of(logprob.Top[i].Token, logprob.Top[i].Logprob, [], i + 1, tokenizer);
        return Of(logprob.Token, logprob.Logprob, top, logprob.Rank, tokenizer);
    }

    static CompletionToken Of(int id, float logprob, IReadOnlyList<CompletionToken> top, int rank, Tokenizer tokenizer)
    {
        byte[] bytes = tokenizer.TokenBytes(id).ToArray();
        return new CompletionToken(id, Encoding.UTF8.GetString(bytes), bytes, logprob, top) { Rank = rank };
    }
}
