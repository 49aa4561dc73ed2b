namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Keys and values of past positions, float, per layer laid out [kvHead][position][headDim] so one head's history is contiguous.
/// </summary>
public sealed class KvCache
{
    readonly float[][] _keys;   // layers × (kvHeads × capacity × headDim)
    readonly float[][] _values;

    public KvCache(int layers, int kvHeads, int capacity, int headDim)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "Must be positive.");
        if (kvHeads < 1) throw new ArgumentOutOfRangeException(nameof(kvHeads), kvHeads, "Must be positive.");
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Must be positive.");
        if (headDim < 1) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "Must be positive.");
        long perLayer = (long)kvHeads * capacity * headDim;
        if (perLayer > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "One layer's cache would exceed the largest array.");
        Layers = layers;
        KvHeads = kvHeads;
        Capacity = capacity;
        HeadDim = headDim;
        _keys = new float[layers][];
        _values = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = new float[perLayer];
            _values[l] = new float[perLayer];
        }
    }

    public int Layers { get; }
    public int KvHeads { get; }
    /// <summary>Positions the cache holds.</summary>
    public int Capacity { get; }
    public int HeadDim { get; }

    /// <summary>One layer's keys: kvHeads × capacity × headDim.</summary>
    public ReadOnlySpan<float> Keys(int layer) => _keys[layer];

    /// <summary>One layer's values: kvHeads × capacity × headDim.</summary>
    public ReadOnlySpan<float> Values(int layer) => _values[layer];

    /// <summary>Stores one position's keys and values (each kvHeads × headDim).</summary>
    public void Store(int layer, int position, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        if ((uint)position >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(position), position, $"Cache holds {Capacity} positions.");
        int rowLength = KvHeads * HeadDim;
        if (keys.Length != rowLength) throw new ArgumentException($"Expected {rowLength} keys, got {keys.Length}.", nameof(keys));
        if (values.Length != rowLength) throw new ArgumentException($"Expected {rowLength} values, got {values.Length}.", nameof(values));
        for (int h = 0; h < KvHeads; h++)
        {
            int destination = (h * Capacity + position) * HeadDim;
            keys.Slice(h * HeadDim, HeadDim).CopyTo(_keys[layer].AsSpan(destination, HeadDim));
            values.Slice(h * HeadDim, HeadDim).CopyTo(_values[layer].AsSpan(destination, HeadDim));
        }
    }
}
