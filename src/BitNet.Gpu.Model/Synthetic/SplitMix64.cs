namespace BitNet.Gpu.Model.Synthetic;

/// <summary>
/// SplitMix64, a small fast generator whose streams can be seeded independently, so every chunk of every tensor gets
/// its own stream from (seed, tensor name, chunk) and a model is the same whatever the thread count.
/// </summary>
internal struct SplitMix64
{
    ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A stream for chunk <paramref name="chunk"/> of tensor <paramref name="name"/>.</summary>
    public static SplitMix64 For(ulong seed, string name, long chunk)
    {
        ulong hash = 14695981039346656037UL; // FNV-1a over the name
        foreach (char c in name) hash = (hash ^ c) * 1099511628211UL;
        var mixer = new SplitMix64(seed ^ hash);
        ulong start = mixer.Next() ^ (ulong)chunk * 0x9E3779B97F4A7C15UL;
        return new SplitMix64(new SplitMix64(start).Next());
    }

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public float NextSingle() => (Next() >> 40) * (1f / (1 << 24));

    /// <summary>Approximately standard normal: the sum of four 16-bit uniforms, centred and scaled to unit variance.</summary>
    public float NextNormal()
    {
        ulong bits = Next();
        float sum = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48);
        return (sum * (1f / 65536f) - 2f) * 1.7320508f;
    }
}
