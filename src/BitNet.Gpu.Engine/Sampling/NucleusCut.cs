using System.Numerics;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Top-p over the whole vocabulary without sorting it: keep the best-ranked prefix whose mass first reaches the target.
/// Tokens are binned by logit into equal-width buckets; whole buckets above the one where the running mass crosses
/// the target are kept, and only the crossing bucket's tokens go on (binned again, over their own range, while there
/// are many; then sorted and walked exactly). With 128k logits one binning pass usually leaves a few hundred tokens.
/// </summary>
internal sealed class NucleusCut
{
    private const int SortLimit = 2048;
    private const int BucketCount = 1024;
    private const int Excluded = BucketCount; // bucket of tokens below the floor; never walked
    // The first pass bins [max - FirstSpan, max]; lower logits share the last bucket (each weighs < e^-32 of the max).
    private const float FirstSpan = 32f;

    private readonly int[] _bucketOf;     // vocab: first-pass bucket of each token
    private readonly int[] _candidates;   // vocab: token ids still in play
    private readonly ulong[] _keys;       // vocab: rank keys of the final candidates
    private readonly double[] _bucketMass = new double[BucketCount + 1];

    public NucleusCut(int vocabSize)
    {
        _bucketOf = new int[vocabSize];
        _candidates = new int[vocabSize];
        _keys = new ulong[vocabSize];
    }

    /// <param name="logits">the adjusted logits (vocab)</param>
    /// <param name="mass">exp(logit - max) per token (vocab), as summed into the target</param>
    /// <param name="max">the largest logit</param>
    /// <param name="floor">tokens below this logit are not candidates (min-p already removes them)</param>
    /// <param name="target">top-p × total mass: the prefix is the shortest whose mass reaches it</param>
    public RankCut Find(ReadOnlySpan<float> logits, ReadOnlySpan<float> mass, float max, float floor, double target)
    {
        // First pass over the whole vocabulary, vectorised.
        double scale = BucketCount / FirstSpan;
        BinVocabulary(logits, max, floor, (float)scale);
        FillBuckets(_bucketOf, mass);
        int crossing = CrossingBucket(target, out double massAbove); // massAbove: mass of tokens ranked above all candidates
        var (count, lowest, highest) = GatherBucket(crossing, logits);

        // Further passes over the crossing bucket's tokens, each binned over their own logit range.
        while (count > SortLimit && lowest < highest)
        {
            var candidates = _candidates.AsSpan(0, count);
            scale = BucketCount / ((double)highest - lowest);
            FillBuckets(candidates, logits, mass, highest, scale);
            crossing = CrossingBucket(target - massAbove, out double massBefore);
            massAbove += massBefore;

            var (kept, low, high) = KeepBucket(candidates, logits, highest, scale, crossing);
            if (kept == count) break; // binning made no progress (pathological spread): sort what is left
            (count, lowest, highest) = (kept, low, high);
        }

        return SortAndWalk(_candidates.AsSpan(0, count), logits, mass, target - massAbove);
    }

    // bucket = min(floor((max - logit) × scale), BucketCount - 1), or Excluded below the floor (or banned)
    private void BinVocabulary(ReadOnlySpan<float> logits, float max, float floor, float scale)
    {
        int width = Vector<float>.Count;
        var maxV = new Vector<float>(max);
        var floorV = new Vector<float>(floor);
        var scaleV = new Vector<float>(scale);
        var lastV = new Vector<float>(BucketCount - 1);
        var excludedV = new Vector<int>(Excluded);
        var negativeInfinity = new Vector<float>(float.NegativeInfinity);
        int i = 0;
        for (; i <= logits.Length - width; i += width)
        {
            var x = new Vector<float>(logits[i..]);
            var bucket = Vector.ConvertToInt32(Vector.Min((maxV - x) * scaleV, lastV));
            var candidate = Vector.GreaterThanOrEqual(x, floorV) & Vector.GreaterThan(x, negativeInfinity);
            Vector.ConditionalSelect(candidate, bucket, excludedV).CopyTo(_bucketOf.AsSpan(i));
        }
        for (; i < logits.Length; i++)
        {
            float x = logits[i];
            bool candidate = x >= floor && x > float.NegativeInfinity;
            _bucketOf[i] = candidate ? (int)MathF.Min((max - x) * scale, BucketCount - 1) : Excluded;
        }
    }

    private void FillBuckets(ReadOnlySpan<int> bucketOf, ReadOnlySpan<float> mass)
    {
        Array.Clear(_bucketMass);
        for (int token = 0; token < bucketOf.Length; token++) _bucketMass[bucketOf[token]] += mass[token];
    }

    private (int Count, float Lowest, float Highest) GatherBucket(int bucket, ReadOnlySpan<float> logits)
    {
        int width = Vector<int>.Count;
        var bucketV = new Vector<int>(bucket);
        int count = 0;
        float lowest = float.PositiveInfinity, highest = float.NegativeInfinity;
        int i = 0;
        for (; i < _bucketOf.Length; i += width)
        {
            if (i <= _bucketOf.Length - width && !Vector.EqualsAny(new Vector<int>(_bucketOf.AsSpan(i)), bucketV)) continue;
            for (int token = i; token < Math.Min(i + width, _bucketOf.Length); token++)
            {
                if (_bucketOf[token] != bucket) continue;
                _candidates[count++] = token;
                lowest = MathF.Min(lowest, logits[token]);
                highest = MathF.Max(highest, logits[token]);
            }
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
