using System.Numerics;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Reads a step's log-probabilities from its logits: log p(t) = logit[t] − max − ln Σ exp(logit − max), the sum in
/// double over the whole vocabulary (the logits must all be exact, so a request that wants them skips the top-k screen).
/// Working memory is allocated once; not thread-safe (one per request).
/// </summary>
internal sealed class TokenLogprobReader
{
    readonly float[] _mass;               // vocab: exp(logit − max), scratch for the sum
    readonly TopKSelector? _top;          // null when no alternatives are asked for

    public TokenLogprobReader(int topCount, int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(topCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topCount, TokenLogprob.MaxTop);
        _mass = new float[vocabSize];
        if (topCount > 0) _top = new TopKSelector(Math.Min(topCount, vocabSize));
    }

    /// <summary>The log-probability of <paramref name="token"/> and the step's most likely tokens.</summary>
    public TokenLogprob Read(ReadOnlySpan<float> logits, int token)
    {
        float max = LogitScan.MaxChecked(logits, nameof(logits));
        var (total, _) = LogitScan.Mass(logits, max, float.PositiveInfinity, _mass);
        float logTotal = (float)Math.Log(total); // of exp(logit − max): the most likely token gets exactly −logTotal

        TokenChoice[] top = [];
        if (_top is not null)
        {
            var best = _top.Select(logits);
            top = new TokenChoice[best.Length];
            for (int i = 0; i < best.Length; i++)
            {
                int candidate = RankKey.Token(best[i]);
                top[i] = new TokenChoice(candidate, logits[candidate] - max - logTotal);
            }
        }
        return new TokenLogprob(token, logits[token] - max - logTotal, top) { Rank = 1 + CountAbove(logits, logits[token]) };
    }

    /// <summary>How many logits are greater than <paramref name="value"/>.</summary>
    static int CountAbove(ReadOnlySpan<float> logits, float value)
    {
        var threshold = new Vector<float>(value);
        var counts = Vector<int>.Zero;
        int i = 0;
        for (; i + Vector<float>.Count <= logits.Length; i += Vector<float>.Count)
            counts -= Vector.GreaterThan(new Vector<float>(logits[i..]), threshold); // a true lane is -1
        int count = Vector.Sum(counts);
        for (; i < logits.Length; i++) if (logits[i] > value) count++;
        return count;
    }
}
