using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling;

/// <summary>
/// The sampler written the plain way, in double precision with a full sort: llama.cpp's chain
/// bias -> penalties -> top-k -> top-p -> min-p -> temperature -> softmax. Tests compare the fast sampler with it.
/// </summary>
internal static class ReferenceSampler
{
    public sealed record Result(double[] Probabilities, HashSet<int> Borderline);

    public static double[] AdjustedLogits(float[] logits, int[] recent, SamplerOptions options)
    {
        var adjusted = logits.Select(x => (double)x).ToArray();
        foreach (var (token, bias) in options.LogitBias) adjusted[token] += bias;

        var window = recent.Skip(Math.Max(0, recent.Length - options.PenaltyWindow)).ToArray();
        if (options.PenaltyWindow == 0) window = [];
        foreach (var group in window.GroupBy(t => t))
        {
            int token = group.Key, count = group.Count();
            double x = adjusted[token];
            x = x <= 0 ? x * options.RepeatPenalty : x / options.RepeatPenalty;
            adjusted[token] = x - count * (double)options.FrequencyPenalty - options.PresencePenalty;
        }
        return adjusted;
    }

    /// <summary>
    /// Final distribution, plus the tokens whose keep/drop decision sits within rounding of a threshold
    /// (the fast sampler sums in a different order and may decide those either way).
    /// </summary>
    public static Result Distribution(float[] logits, int[] recent, SamplerOptions options)
    {
        var l = AdjustedLogits(logits, recent, options);
        var probabilities = new double[l.Length];
        var borderline = new HashSet<int>();
        var ranked = Enumerable.Range(0, l.Length).OrderByDescending(t => l[t]).ThenBy(t => t).ToList();

        if (options.Temperature <= 0)
        {
            probabilities[ranked[0]] = 1;
            return new Result(probabilities, borderline);
        }

        if (options.TopK > 0) ranked = ranked.Take(options.TopK).ToList();

        if (options.TopP < 1)
        {
            double max = l[ranked[0]];
            double total = ranked.Sum(t => Math.Exp(l[t] - max));
            double target = options.TopP * total, cumulative = 0;
            int keep = ranked.Count;
            for (int i = 0; i < ranked.Count; i++)
            {
                double before = cumulative;
                cumulative += Math.Exp(l[ranked[i]] - max);
                if (Math.Abs(cumulative - target) < 1e-5 * total || Math.Abs(before - target) < 1e-5 * total) borderline.Add(ranked[i]);
                if (cumulative >= target) { keep = i + 1; break; }
            }
            if (keep < ranked.Count && borderline.Contains(ranked[keep - 1])) borderline.Add(ranked[keep]);
            ranked = ranked.Take(keep).ToList();
        }

        if (options.MinP > 0)
        {
            double threshold = l[ranked[0]] + Math.Log(options.MinP);
            foreach (int t in ranked.Where(t => Math.Abs(l[t] - threshold) < 1e-4)) borderline.Add(t);
            ranked = ranked.Where(t => l[t] >= threshold).ToList();
        }

        double top = l[ranked[0]];
        double sum = ranked.Sum(t => Math.Exp((l[t] - top) / options.Temperature));
        foreach (int t in ranked) probabilities[t] = Math.Exp((l[t] - top) / options.Temperature) / sum;
        return new Result(probabilities, borderline);
    }

    public static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    public static float[] RandomLogits(int vocab, int seed, float scale = 3f)
    {
        var random = new Random(seed);
        var logits = new float[vocab];
        for (int i = 0; i < vocab; i++)
        {
            // Box-Muller normal × scale: a peaked-but-long-tailed shape like real logits.
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            logits[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return logits;
    }
}
