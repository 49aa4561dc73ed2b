using System.Buffers;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Causal grouped-query attention for one query position: for each head h (kv head h / (heads / kvHeads)),
/// out_h = Σ_{p &lt; positions} softmax_p(q_h·k_p / sqrt(headDim)) · v_p. Heads run in parallel.
/// </summary>
public static unsafe class Attention
{
    /// <param name="q">heads × headDim queries (RoPE applied).</param>
    /// <param name="positions">Positions attended: 0 .. positions-1 (the current one included, already stored in the cache).</param>
    /// <param name="output">heads × headDim, overwritten.</param>
    public static void Compute(ReadOnlySpan<float> q, KvCache cache, int layer, int positions, Span<float> output, KernelThreadPool pool)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if ((uint)layer >= (uint)cache.Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        Compute(q, cache.Keys(layer), cache.Values(layer), cache.KvHeads, cache.Capacity, cache.HeadDim, positions, output, pool);
    }

    /// <param name="keys">kvHeads × capacity × headDim.</param>
    /// <param name="values">kvHeads × capacity × headDim.</param>
    public static void Compute(ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        int kvHeads, int capacity, int headDim, int positions, Span<float> output, KernelThreadPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (headDim < 1) throw new ArgumentOutOfRangeException(nameof(headDim));
        if (kvHeads < 1) throw new ArgumentOutOfRangeException(nameof(kvHeads));
        if (positions < 1 || positions > capacity) throw new ArgumentOutOfRangeException(nameof(positions), positions, $"Must be in 1..{capacity}.");
        if (q.Length % headDim != 0 || q.Length / headDim % kvHeads != 0)
            throw new ArgumentException($"Query length {q.Length} is not heads × {headDim} with heads a multiple of {kvHeads}.", nameof(q));
        long cacheLength = (long)kvHeads * capacity * headDim;
        if (keys.Length != cacheLength) throw new ArgumentException($"Expected {cacheLength} keys, got {keys.Length}.", nameof(keys));
        if (values.Length != cacheLength) throw new ArgumentException($"Expected {cacheLength} values, got {values.Length}.", nameof(values));
        if (output.Length != q.Length) throw new ArgumentException($"Expected {q.Length} outputs, got {output.Length}.", nameof(output));

        int heads = q.Length / headDim;
        int headsPerKv = heads / kvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        fixed (float* qFixed = q)
        fixed (float* kFixed = keys)
        fixed (float* vFixed = values)
        fixed (float* oFixed = output)
        {
            float* qp = qFixed, kp = kFixed, vp = vFixed, op = oFixed;
            pool.For(heads, (first, end) =>
            {
                var scores = ArrayPool<float>.Shared.Rent(positions);
                try
                {
                    fixed (float* s = scores)
                        for (int h = first; h < end; h++)
                        {
                            long kvOffset = (long)(h / headsPerKv) * capacity * headDim;
                            AttendHead(qp + (long)h * headDim, kp + kvOffset, vp + kvOffset, headDim, positions, scale, s, op + (long)h * headDim);
                        }
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(scores);
                }
            });
        }
    }

    /// <summary>One head: scores = q·k_p·scale, softmax, out = Σ_p score_p · v_p.</summary>
    static void AttendHead(float* q, float* keys, float* values, int headDim, int positions, float scale, float* scores, float* output)
    {
        for (int p = 0; p < positions; p++) scores[p] = FloatMath.Dot(q, keys + (long)p * headDim, headDim) * scale;
        Softmax.Apply(scores, positions);
        new Span<float>(output, headDim).Clear();
        for (int p = 0; p < positions; p++) FloatMath.MultiplyAdd(output, scores[p], values + (long)p * headDim, headDim);
    }
}
