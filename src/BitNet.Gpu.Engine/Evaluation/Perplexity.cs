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
    public static PerplexityResult Compute(LoadedModel model, string text, int maxChunks = 0, Action<int, int, double>? progress = null)
    {
        var tokenizer = model.Tokenizer;
        var graph = model.Graph;
        int n = graph.ContextLength;
        var tokens = tokenizer.Encode(text, addBos: tokenizer.Vocabulary.AddBos, parseSpecial: false);
        int chunks = tokens.Length / n;
        if (chunks == 0)
            throw new ArgumentException($"the text has {tokens.Length} tokens; perplexity needs at least one chunk of --ctx {n} tokens");
        if (maxChunks > 0) chunks = Math.Min(chunks, maxChunks);

        int vocab = graph.VocabSize;
        var logits = new float[(long)n * vocab];
        double totalNll = 0, totalNllSquared = 0;
        int scored = 0;
        for (int c = 0; c < chunks; c++)
        {
            var chunk = tokens.AsSpan(c * n, n).ToArray();
            if (tokenizer.BosId is int bos && tokenizer.Vocabulary.AddBos) chunk[0] = bos;
            graph.Reset();
            graph.Forward(chunk, logits, allLogits: true);
            for (int j = n / 2; j < n - 1; j++)
            {
                double nll = NegativeLogLikelihood(logits.AsSpan(j * vocab, vocab), tokens[c * n + j + 1]);
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
