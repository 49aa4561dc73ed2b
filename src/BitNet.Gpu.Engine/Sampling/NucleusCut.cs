namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Top-p over the whole vocabulary without sorting it: keep the best-ranked prefix whose mass first reaches the target.
/// Candidates are binned by logit into equal-width buckets; whole buckets above the one where the running mass crosses
/// the target are kept, and only the crossing bucket's tokens go on (binned again while there are many, then sorted
/// and walked exactly). With 128k logits one binning pass usually leaves a few hundred tokens to sort.
/// </summary>
internal sealed class NucleusCut
{
    private const int SortLimit = 4096;
    private const int BucketCount = 1024;

    private readonly int[] _candidates;   // vocab: token ids still in play
    private readonly ulong[] _keys;       // vocab: rank keys of the final candidates
    private readonly double[] _bucketMass = new double[BucketCount];

    public NucleusCut(int vocabSize)
    {
        _candidates = new int[vocabSize];
        _keys = new ulong[vocabSize];
    }

    /// <param name="logits">the adjusted logits (vocab)</param>
    /// <param name="mass">exp(logit - max) per token (vocab), as summed into the target</param>
    /// <param name="floor">tokens below this logit are not candidates (min-p already removes them)</param>
    /// <param name="target">top-p × total mass: the prefix is the shortest whose mass reaches it</param>
    public RankCut Find(ReadOnlySpan<float> logits, ReadOnlySpan<float> mass, float floor, double target)
    {
        var (count, lowest, highest) = GatherAtOrAbove(logits, floor);
        double massAbove = 0; // mass of tokens ranked above every remaining candidate (all kept)

        while (count > SortLimit && lowest < highest)
        {
            var candidates = _candidates.AsSpan(0, count);
            double scale = BucketCount / ((double)highest - lowest);
            FillBuckets(candidates, logits, mass, highest, scale);
            int crossing = CrossingBucket(target - massAbove, out double massBefore);
            massAbove += massBefore;

            var (kept, low, high) = KeepBucket(candidates, logits, highest, scale, crossing);
            if (kept == count) break; // binning made no progress (pathological spread): sort what is left
            (count, lowest, highest) = (kept, low, high);
        }

        return SortAndWalk(_candidates.AsSpan(0, count), logits, mass, target - massAbove);
    }

    private (int Count, float Lowest, float Highest) GatherAtOrAbove(ReadOnlySpan<float> logits, float floor)
    {
        int count = 0;
        float lowest = float.PositiveInfinity, highest = float.NegativeInfinity;
        for (int token = 0; token < logits.Length; token++)
        {
            float logit = logits[token];
            if (logit < floor || logit == float.NegativeInfinity) continue;
            _candidates[count++] = token;
            lowest = MathF.Min(lowest, logit);
            highest = MathF.Max(highest, logit);
        }
        return (count, lowest, highest);
    }

    // Bucket 0 holds the highest logits; the index never decreases as the logit falls, so buckets follow the ranking.
    private static int Bucket(float logit, float highest, double scale) =>
        (int)Math.Min((highest - (double)logit) * scale, BucketCount - 1);

    private void FillBuckets(ReadOnlySpan<int> candidates, ReadOnlySpan<float> logits, ReadOnlySpan<float> mass, float highest, double scale)
    {
        Array.Clear(_bucketMass);
        foreach (int token in candidates) _bucketMass[Bucket(logits[token], highest, scale)] += mass[token];
    }

    /// <summary>First bucket at which the running mass reaches <paramref name="target"/> (the last non-empty one if rounding never gets there).</summary>
    private int CrossingBucket(double target, out double massBefore)
    {
        massBefore = 0;
        int lastNonEmpty = 0;
        double before = 0;
        for (int bucket = 0; bucket < BucketCount; bucket++)
        {
            if (_bucketMass[bucket] == 0) continue;
            if (before + _bucketMass[bucket] >= target)
            {
                massBefore = before;
                return bucket;
            }
            lastNonEmpty = bucket;
            massBefore = before;
            before += _bucketMass[bucket];
        }
        return lastNonEmpty;
    }

    private (int Count, float Lowest, float Highest) KeepBucket(Span<int> candidates, ReadOnlySpan<float> logits, float highest, double scale, int bucket)
    {
        int kept = 0;
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        foreach (int token in candidates)
        {
            float logit = logits[token];
            if (Bucket(logit, highest, scale) != bucket) continue;
            candidates[kept++] = token; // in place: kept never overtakes the read position
            low = MathF.Min(low, logit);
            high = MathF.Max(high, logit);
        }
        return (kept, low, high);
    }

    private RankCut SortAndWalk(ReadOnlySpan<int> candidates, ReadOnlySpan<float> logits, ReadOnlySpan<float> mass, double target)
    {
        var keys = _keys.AsSpan(0, candidates.Length);
        for (int i = 0; i < candidates.Length; i++) keys[i] = RankKey.Of(logits[candidates[i]], candidates[i]);
        keys.Sort();

        double cumulative = 0;
        foreach (ulong key in keys)
        {
            cumulative += mass[RankKey.Token(key)];
            if (cumulative >= target) return RankCut.FromKey(key, logits);
        }
        return RankCut.FromKey(keys[^1], logits);
    }
}
