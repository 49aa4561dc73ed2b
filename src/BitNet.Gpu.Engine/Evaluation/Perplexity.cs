using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Hosting;

namespace BitNet.Gpu.Engine.Evaluation;

/// <summary>The result of a perplexity run.</summary>
public sealed record PerplexityResult(double Perplexity, double StandardError, int ScoredTokens, int Chunks, int ChunkLength);

/// <summary>
/// Perplexity as llama-perplexity computes it: the text is tokenized once and cut into non-overlapping chunks of
/// the context length; each chunk runs from an empty cache with its first token replaced by BOS (when the model
/// adds one), and only the second half of each chunk is scored, so every scored token has at least half a context before it.
/// </summary>
public static class Perplexity
{
    /// <summary>
    /// The shortest context that scores a token: a chunk of n scores the predictions from position n/2 up to n-2 (the
    /// last position has no next token in the chunk), n - 1 - n/2 tokens, which is 0 for n = 2 and 1 for n = 3.
    /// </summary>
    public const int MinimumContext = 3;

    /// <summary>Throws an <see cref="ArgumentException"/> naming --ctx when <paramref name="contextLength"/> scores no tokens.</summary>
    public static void CheckContext(int contextLength)
    {
        if (contextLength < MinimumContext)
            throw new ArgumentException($"--ctx {contextLength} scores no tokens: perplexity scores the second half of each chunk, so --ctx must be at least {MinimumContext}", nameof(contextLength));
    }

    /// <summary>
    /// Perplexity of <paramref name="text"/> over at most <paramref name="maxChunks"/> chunks (0 = all). A context too
    /// short to score a token, a text shorter than one chunk or a negative chunk count is an <see cref="ArgumentException"/>
    /// naming the option (--ctx, --chunks).
    /// </summary>
    public static PerplexityResult Compute(LoadedModel model, string text, int maxChunks = 0, Action<int, int, double>? progress = null)
    {
        var tokenizer = model.Tokenizer;
        var graph = model.Graph;
        int n = graph.ContextLength;
        if (maxChunks < 0)
            throw new ArgumentException($"--chunks must be 0 (all) or more, got {maxChunks}", nameof(maxChunks));
        CheckContext(n);
        bool addBos = tokenizer.Vocabulary.AddBos;
        var tokens = tokenizer.Encode(text, addBos: addBos, parseSpecial: false);
        int chunks = tokens.Length / n;
        if (chunks == 0) throw TextTooShort(tokens.Length, addBos && tokenizer.BosId is not null, n);
        if (maxChunks > 0) chunks = Math.Min(chunks, maxChunks);

        int vocab = graph.VocabSize;
        var logits = new float[(long)n * vocab];
        double totalNll = 0, totalNllSquared = 0;
        int scored = 0;
        for (int c = 0; c < chunks; c++)
        {
            var chunk = tokens.AsSpan(c * n, n).ToArray();
            if (tokenizer.BosId is int bos && addBos) chunk[0] = bos;
            graph.Reset();
            graph.Forward(chunk, logits, allLogits: true);
            for (int j = n / 2; j < n - 1; j++)
            {
                double nll = NegativeLogLikelihood(logits.AsSpan(j * vocab, vocab), tokens[c * n + j + 1]);
                if (!double.IsFinite(nll)) throw NonFinite(logits.AsSpan(j * vocab, vocab), j);
                totalNll += nll;
                totalNllSquared += nll * nll;
                scored++;
            }
            progress?.Invoke(c + 1, chunks, Math.Exp(totalNll / scored));
        }
        double mean = totalNll / scored;
        double variance = Math.Max(totalNllSquared / scored - mean * mean, 0);
        double standardError = Math.Exp(mean) * Math.Sqrt(variance / Math.Max(scored - 1, 1));
        return new PerplexityResult(Math.Exp(mean), standardError, scored, chunks, n);
    }

    /// <summary>The error for a position whose scores include NaN or an infinity (which makes the perplexity meaningless).</summary>
    static NonFiniteLogitsException NonFinite(ReadOnlySpan<float> logits, int position)
    {
        int first = 0;
        while (first < logits.Length - 1 && float.IsFinite(logits[first])) first++;
        return new NonFiniteLogitsException(position, first, logits[first]);
    }

    // Counts the text's own tokens: the BOS the tokenizer adds is not in the file, but it does take a chunk's first place.
    static ArgumentException TextTooShort(int tokenCount, bool withBos, int contextLength)
    {
        int textTokens = tokenCount - (withBos ? 1 : 0);
        int needed = contextLength - (withBos ? 1 : 0);
        string has = textTokens switch { 0 => "no tokens", 1 => "1 token", _ => $"{textTokens} tokens" };
        string chunk = withBos ? $"one chunk of --ctx {contextLength} with the BOS" : $"one chunk of --ctx {contextLength}";
        return new ArgumentException($"the text has {has}; perplexity needs at least {needed} ({chunk}): use a longer text or a smaller --ctx", "text");
    }

    // -log softmax(logits)[target], computed stably in double
    public static double NegativeLogLikelihood(ReadOnlySpan<float> logits, int target)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        return Math.Log(sum) - (logits[target] - max);
    }
}
