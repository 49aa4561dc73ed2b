namespace BitNet.Gpu.Engine.Backends;

/// <summary>How a backend stores the KV cache (--cache-type; llama.cpp's -ctk/-ctv).</summary>
public enum KvCacheType
{
    /// <summary>float32: the keys and values exactly as computed.</summary>
    F32,
    /// <summary>f16, rounded to nearest and saturated to ±65504: half the memory and half the bytes attention reads.</summary>
    F16,
}

public static class KvCacheTypes
{
    /// <summary>The --cache-type spelling: f32, f16.</summary>
    public static string Name(this KvCacheType type) => type.ToString().ToLowerInvariant();

    /// <summary>Reads an --cache-type value; null for a name that is not a cache type.</summary>
    public static KvCacheType? Parse(string name) => name.ToLowerInvariant() switch
    {
        "f32" => KvCacheType.F32,
        "f16" => KvCacheType.F16,
        _ => null,
    };

    /// <summary>Bytes one key or value takes.</summary>
    public static int ElementBytes(this KvCacheType type) => type == KvCacheType.F16 ? 2 : 4;
}
