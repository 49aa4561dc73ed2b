using BitNet.Gpu.Model.Convert;

namespace BitNet.Gpu.Model.Synthetic;

/// <summary>Seeded random tensor contents, generated in parallel chunks that each have their own stream.</summary>
internal static class RandomTensors
{
    const int ChunkValues = 1 << 16;

    /// <summary>
    /// A ternary matrix with about a third zeros and a third each of ±1, and one scale in [0.01, 0.03)
    /// (the size of 2B4T's per-tensor scales).
    /// </summary>
    public static TernaryWeight Ternary(ulong seed, string name, int rows, int columns)
    {
        var values = new sbyte[(long)rows * columns];
        int chunks = (int)((values.Length + ChunkValues - 1) / ChunkValues);
        Parallel.For(0, chunks, chunk =>
        {
            var random = SplitMix64.For(seed, name, chunk);
            var span = values.AsSpan(chunk * ChunkValues, Math.Min(ChunkValues, values.Length - chunk * ChunkValues));
            for (int i = 0; i < span.Length; i += 4)
            {
                ulong bits = random.Next();
                for (int k = 0; k < 4 && i + k < span.Length; k++)
                    span[i + k] = (sbyte)((((bits >> (16 * k)) & 0xFFFF) * 3 >> 16) - 1); // uniform over -1, 0, +1
            }
        });
        float scale = 0.01f + 0.02f * SplitMix64.For(seed, name, -1).NextSingle();
        return new TernaryWeight(values, scale, rows, columns);
    }

    /// <summary>Fills values [first, first + buffer.Length) of tensor <paramref name="name"/> with mean + spread × normal.</summary>
    /// <remarks><paramref name="first"/> must be a multiple of 65536 so a value's stream does not depend on how the tensor is read.</remarks>
    public static void Normal(ulong seed, string name, long first, Span<float> buffer, float mean, float spread)
    {
        if (first % ChunkValues != 0)
            throw new ArgumentException($"first value {first} is not a multiple of {ChunkValues}", nameof(first));
        int chunks = (buffer.Length + ChunkValues - 1) / ChunkValues;
        var array = new float[buffer.Length];
        Parallel.For(0, chunks, chunk =>
        {
            var random = SplitMix64.For(seed, name, first / ChunkValues + chunk);
            int start = chunk * ChunkValues, end = Math.Min(start + ChunkValues, array.Length);
            for (int i = start; i < end; i++) array[i] = mean + spread * random.NextNormal();
        });
        array.CopyTo(buffer);
    }
}
