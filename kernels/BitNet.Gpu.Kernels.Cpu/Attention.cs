using System.Buffers;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Causal grouped-query attention: for each head h (kv head h / (heads / kvHeads)),
/// out_h = Σ_{p &lt; positions} softmax_p(q_h·k_p / sqrt(headDim)) · v_p. One query position (a generated token) runs
/// as <see cref="SplitAttention"/> over ranges of the cache; a prompt's positions run one (token, head) pair per item.
/// </summary>
public static unsafe class Attention
{
    /// <param name="q">heads × headDim queries (RoPE applied).</param>
    /// <param name="positions">Positions attended: 0 .. positions-1 (the current one included, already stored in the cache).</param>
    /// <param name="output">heads × headDim, overwritten.</param>
    /// <param name="firstRow">The cache row of position 0: a sequence's first row when the cache holds several.</param>
    public static void Compute(ReadOnlySpan<float> q, KvCache cache, int layer, int positions, Span<float> output, KernelThreadPool pool, int firstRow = 0)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(pool);
        if ((uint)layer >= (uint)cache.Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        int headDim = cache.HeadDim;
        if (firstRow < 0 || firstRow >= cache.Capacity) throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, $"Must be in 0..{cache.Capacity - 1}.");
        if (positions < 1 || firstRow + positions > cache.Capacity) throw new ArgumentOutOfRangeException(nameof(positions), positions, $"Must be in 1..{cache.Capacity - firstRow}.");
        if (q.Length % headDim != 0 || q.Length / headDim % cache.KvHeads != 0)
            throw new ArgumentException($"Query length {q.Length} is not heads × {headDim} with heads a multiple of {cache.KvHeads}.", nameof(q));
        if (output.Length != q.Length) throw new ArgumentException($"Expected {q.Length} outputs, got {output.Length}.", nameof(output));

        fixed (float* qFixed = q)
        fixed (float* oFixed = output)
            SplitAttention.Compute(qFixed, cache, layer, q.Length / headDim, positions, oFixed, pool, firstRow);
    }

    /// <summary>
    /// A prompt's consecutive query positions at once: token t (position firstPosition + t) attends positions
    /// 0 .. firstPosition + t, whose keys and values are already in the cache. Every (token, kv head) pair is one item of
    /// a single parallel loop, its query heads taken together so each block of keys and values is read once for all.
    /// </summary>
    /// <param name="q">tokens × heads × headDim queries (RoPE applied).</param>
    /// <param name="output">tokens × heads × headDim, overwritten.</param>
    /// <param name="firstRow">The cache row of position 0: a sequence's first row when the cache holds several.</param>
    public static void ComputeBatch(ReadOnlySpan<float> q, KvCache cache, int layer, int firstPosition, int tokens, Span<float> output, KernelThreadPool pool,
                                    int firstRow = 0)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(pool);
        if ((uint)layer >= (uint)cache.Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        if (firstRow < 0 || firstRow >= cache.Capacity) throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, $"Must be in 0..{cache.Capacity - 1}.");
        if (tokens < 1 || firstPosition < 0 || firstRow + firstPosition + tokens > cache.Capacity)
            throw new ArgumentOutOfRangeException(nameof(tokens), tokens, $"Positions {firstPosition}..{firstPosition + tokens - 1} must lie in 0..{cache.Capacity - firstRow - 1}.");
        int headDim = cache.HeadDim;
        if (q.Length % (tokens * headDim) != 0 || q.Length / (tokens * headDim) % cache.KvHeads != 0)
            throw new ArgumentException($"Query length {q.Length} is not {tokens} tokens × heads × {headDim} with heads a multiple of {cache.KvHeads}.", nameof(q));
        if (output.Length != q.Length) throw new ArgumentException($"Expected {q.Length} outputs, got {output.Length}.", nameof(output));

        int heads = q.Length / (tokens * headDim);
        int headsPerKv = heads / cache.KvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        var history = cache.FloatsUpTo(layer, firstRow, firstPosition + tokens, pool); // f16 converted once, not once per token
        fixed (float* qFixed = q)
        fixed (float* oFixed = output)
        {
            float* qp = qFixed, op = oFixed;
            int kvHeads = cache.KvHeads;
            pool.For(tokens * kvHeads, (first, end) =>
            {
                var scores = ArrayPool<float>.Shared.Rent(SplitAttention.ScratchLength(headsPerKv, firstPosition + tokens, headDim));
                var partials = ArrayPool<float>.Shared.Rent(headsPerKv * (headDim + 2));
                try
                {
                    fixed (float* s = scores)
                    fixed (float* partial = partials)
                        for (int item = first; item < end; item++) // item = token · kvHeads + kvHead
                        {
                            int token = item / kvHeads, kvHead = item % kvHeads;
                            long firstHead = ((long)token * heads + kvHead * headsPerKv) * headDim; // the group's query heads are consecutive
                            SplitAttention.AttendAll(qp + firstHead, headsPerKv, history.Keys(kvHead), history.Values(kvHead), headDim, firstPosition + token + 1,
                                                     scale, s, partial, op + firstHead);
                        }
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(scores);
                    ArrayPool<float>.Shared.Return(partials);
                }
            });
        }
    }
}
