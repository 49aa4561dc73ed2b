using System.Buffers;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Attention for one query position with the cached positions split into ranges (flash-decoding):
/// out_h = Σ_p softmax_p(q_h·k_p · scale) · v_p computed per range as (max m, Σ e, Σ e·v) with e = exp(q·k·scale − m),
/// then combined per head: M = max m_s, out = Σ_s e^(m_s−M)·(Σ e·v)_s / Σ_s e^(m_s−M)·(Σ e)_s.
/// Work items are (kv head, range) pairs, so a generated token's attention keeps every thread busy even with 5 kv
/// heads, and the query heads sharing a kv head reuse its keys and values from cache.
/// </summary>
internal static unsafe class SplitAttention
{
    /// <summary>Fewest positions a range holds: below this, splitting costs more than it spreads.</summary>
    const int MinRangePositions = 32;

    /// <summary>
    /// Bytes of keys in a block: with its values, 256 KB that stay in L2 while every query head sharing the kv head
    /// passes over them. A generated token's ranges are at most one block (at 4096 positions, 2B4T shape, 2 threads:
    /// 43.6 ms a token against 51.0 for 2 ranges per kv head, means of 4 alternating runs); a prompt's query heads go
    /// block by block (32 tokens at ~4080 positions: 807 ms against 989 for one pass over all positions).
    /// benchmarks/README has the runs.
    /// </summary>
    const int BlockKeyBytes = 128 * 1024;

    /// <summary>Positions in a block of <see cref="BlockKeyBytes"/>.</summary>
    static int BlockPositions(int headDim) => Math.Max(1, BlockKeyBytes / (headDim * sizeof(float)));

    /// <summary>
    /// Scratch floats <see cref="AttendRange"/> needs for <paramref name="group"/> heads over <paramref name="count"/> positions:
    /// the scores, a block's weighted sum, and a block of keys or values converted from f16.
    /// </summary>
    internal static int ScratchLength(int group, int count, int headDim) =>
        group * count + group * headDim + CachedRows.ScratchLength(Math.Min(count, BlockPositions(headDim)), headDim);

    /// <param name="q">heads × headDim.</param>
    /// <param name="output">heads × headDim, overwritten.</param>
    /// <param name="firstRow">The cache row of position 0 (a sequence's first row in a cache of several).</param>
    public static void Compute(float* q, KvCache cache, int layer, int heads, int positions, float* output, KernelThreadPool pool, int firstRow = 0)
    {
        int kvHeads = cache.KvHeads, headDim = cache.HeadDim;
        int headsPerKv = heads / kvHeads;
        int ranges = RangeCount(positions, kvHeads, headDim, pool.ThreadCount);
        int partialWidth = headDim + 2; // Σ e·v, then m, then Σ e
        var partials = ArrayPool<float>.Shared.Rent(heads * ranges * partialWidth); // [head][range][partialWidth]
        float scale = 1f / MathF.Sqrt(headDim);
        try
        {
            fixed (float* partial = partials)
            {
                float* p = partial;
                pool.For(kvHeads * ranges, (first, end) =>
                {
                    var scores = ArrayPool<float>.Shared.Rent(ScratchLength(headsPerKv, positions / ranges + 1, headDim));
                    try
                    {
                        fixed (float* s = scores)
                            for (int item = first; item < end; item++)
                            {
                                int kvHead = item / ranges, range = item % ranges;
                                int start = (int)((long)positions * range / ranges), stop = (int)((long)positions * (range + 1) / ranges);
                                AttendRange(q + (long)kvHead * headsPerKv * headDim, headsPerKv, cache.Keys(layer, kvHead, firstRow), cache.Values(layer, kvHead, firstRow), headDim,
                                            start, stop, scale, s, p + ((long)kvHead * headsPerKv * ranges + range) * partialWidth, ranges * partialWidth);
                            }
                    }
                    finally
                    {
                        ArrayPool<float>.Shared.Return(scores);
                    }
                });
                for (int h = 0; h < heads; h++)
                    Combine(partial + (long)h * ranges * partialWidth, ranges, headDim, output + (long)h * headDim);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>
    /// <paramref name="group"/> query heads over all positions [0, positions) as one range, for callers that spread
    /// their own items over the threads (a prompt's (token, kv head) pairs). partials holds group × (headDim + 2) floats,
    /// scores <see cref="ScratchLength"/>(group, positions, headDim).
    /// </summary>
    internal static void AttendAll(float* q, int group, CachedRows keys, CachedRows values, int headDim, int positions, float scale,
                                   float* scores, float* partials, float* output)
    {
        int partialWidth = headDim + 2;
        AttendRange(q, group, keys, values, headDim, 0, positions, scale, scores, partials, partialWidth);
        for (int h = 0; h < group; h++) Combine(partials + h * partialWidth, 1, headDim, output + (long)h * headDim);
    }

    /// <summary>
    /// Ranges per kv head: enough items for every thread (a few each) and small enough for L2
    /// (one block of <see cref="BlockKeyBytes"/>), none shorter than <see cref="MinRangePositions"/>.
    /// </summary>
    internal static int RangeCount(int positions, int kvHeads, int headDim, int threads)
    {
        int forThreads = (4 * threads + kvHeads - 1) / kvHeads;
        int block = BlockPositions(headDim);
        int forCache = (int)(((long)positions + block - 1) / block);
        return Math.Clamp(Math.Min(Math.Max(forThreads, forCache), positions / MinRangePositions), 1, positions);
    }

    /// <summary>
    /// The partial results of <paramref name="group"/> query heads over positions [start, stop): for head h, at
    /// partials + h·headStride: Σ e·v (headDim values), m, Σ e. scores holds <see cref="ScratchLength"/>(group, stop − start, headDim)
    /// floats. Keys and values are taken a block of positions at a time for every head of the group, so each block is
    /// read from memory once however many query heads share it.
    /// </summary>
    static void AttendRange(float* q, int group, CachedRows keys, CachedRows values, int headDim, int start, int stop, float scale,
                            float* scores, float* partials, int headStride)
    {
        int count = stop - start;
        float* blockSums = scores + group * count;        // group × headDim: a later block's weighted sums
        float* rowScratch = blockSums + group * headDim;  // a block of f16 keys or values as floats
        int block = BlockPositions(headDim);
        // An f16 cache is read in place, four query heads at a time, where HalfRowProducts runs; other heads and
        // float caches go through floats (converted into rowScratch when the cache holds f16).
        bool inPlace = keys.HoldsHalves && values.HoldsHalves && HalfRowProducts.Supports(headDim);
        int inPlaceHeads = inPlace ? group / 4 * 4 : 0;
        for (int b = 0; b < count; b += block)
        {
            int n = Math.Min(block, count - b);
            int h = 0;
            for (; h < inPlaceHeads; h += 4)
                HalfRowProducts.DotRowsFourQueries(q + h * headDim, keys.Halves(start + b), n, headDim, scale, scores + h * count + b, count, rowScratch);
            if (h < group)
            {
                float* blockKeys = keys.Floats(start + b, n, rowScratch);
                for (; h + 4 <= group; h += 4) // query heads four at a time: each key row loaded once for the four
                    FloatMath.DotRowsFourQueries(q + h * headDim, blockKeys, n, headDim, scale, scores + h * count + b, count);
                for (; h < group; h++)
                    FloatMath.DotRows(q + h * headDim, blockKeys, n, headDim, scale, scores + h * count + b);
            }
        }
        for (int h = 0; h < group; h++)
        {
            float* headScores = scores + h * count, result = partials + (long)h * headStride;
            float max = FloatMath.Max(headScores, count);
            result[headDim] = max;
            result[headDim + 1] = FloatMath.ExpShiftedInPlace(headScores, max, count);
        }
        for (int b = 0; b < count; b += block)
        {
            int n = Math.Min(block, count - b);
            // The first block writes each head's sum into its partials; a later one writes to blockSums and is added.
            float* sums = b == 0 ? partials : blockSums;
            int sumStride = b == 0 ? headStride : headDim;
            int h = 0;
            for (; h < inPlaceHeads; h += 4)
                HalfRowProducts.WeightedSumFourQueries(scores + h * count + b, count, values.Halves(start + b), n, headDim, sums + (long)h * sumStride, sumStride);
            if (h < group)
            {
                float* blockValues = values.Floats(start + b, n, rowScratch);
                for (; h + 4 <= group; h += 4) // query heads four at a time: each value row loaded once for the four
                    FloatMath.WeightedSumFourQueries(scores + h * count + b, count, blockValues, n, headDim, sums + (long)h * sumStride, sumStride);
                for (; h < group; h++)
                    FloatMath.WeightedSum(scores + h * count + b, blockValues, n, headDim, sums + (long)h * sumStride);
            }
            if (b > 0)
                for (h = 0; h < group; h++)
                    FloatMath.MultiplyAdd(partials + (long)h * headStride, 1f, blockSums + h * headDim, headDim);
        }
    }

    /// <summary>One head's output from its ranges' partials (each headDim + 2 floats: Σ e·v, m, Σ e).</summary>
    static void Combine(float* partials, int ranges, int headDim, float* output)
    {
        int width = headDim + 2;
        float max = float.NegativeInfinity;
        for (int r = 0; r < ranges; r++) max = MathF.Max(max, partials[r * width + headDim]);
        float total = 0f;
        new Span<float>(output, headDim).Clear();
        for (int r = 0; r < ranges; r++)
        {
            float weight = MathF.Exp(partials[r * width + headDim] - max);
            total += weight * partials[r * width + headDim + 1];
            FloatMath.MultiplyAdd(output, weight, partials + r * width, headDim);
        }
        FloatMath.Scale(output, 1f / total, output, headDim);
    }
}
