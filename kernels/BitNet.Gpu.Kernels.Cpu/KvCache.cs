using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>How the KV cache stores each key and value.</summary>
public enum KvCacheElement
{
    /// <summary>float32: exactly what the projections computed.</summary>
    Single,
    /// <summary>f16 in <see cref="HalfRows"/> order: half the bytes for attention to read (llama.cpp's default cache type).</summary>
    Half,
}

/// <summary>
/// Keys and values of past positions, per layer laid out [kvHead][position][headDim] so one head's history is contiguous.
/// The arrays are pinned, so the kernels can hold pointers to them while a parallel loop runs.
/// </summary>
public sealed unsafe class KvCache
{
    readonly Array[] _keys;   // layers × (kvHeads × capacity × headDim), float[] or ushort[] (f16 bits)
    readonly Array[] _values;

    public KvCache(int layers, int kvHeads, int capacity, int headDim, KvCacheElement element = KvCacheElement.Single)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "Must be positive.");
        if (kvHeads < 1) throw new ArgumentOutOfRangeException(nameof(kvHeads), kvHeads, "Must be positive.");
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Must be positive.");
        if (headDim < 1) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "Must be positive.");
        if (!Enum.IsDefined(element)) throw new ArgumentOutOfRangeException(nameof(element), element, "Unknown cache element type.");
        long perLayer = (long)kvHeads * capacity * headDim;
        if (perLayer > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "One layer's cache would exceed the largest array.");
        Layers = layers;
        KvHeads = kvHeads;
        Capacity = capacity;
        HeadDim = headDim;
        Element = element;
        _keys = new Array[layers];
        _values = new Array[layers];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = Allocate((int)perLayer);
            _values[l] = Allocate((int)perLayer);
        }
    }

    Array Allocate(int length) => Element == KvCacheElement.Half
        ? GC.AllocateArray<ushort>(length, pinned: true)
        : GC.AllocateArray<float>(length, pinned: true);

    public int Layers { get; }
    public int KvHeads { get; }
    /// <summary>Positions the cache holds.</summary>
    public int Capacity { get; }
    public int HeadDim { get; }
    public KvCacheElement Element { get; }

    /// <summary>Bytes of keys and values one position of one layer takes.</summary>
    public int BytesPerPosition => 2 * KvHeads * HeadDim * (Element == KvCacheElement.Half ? sizeof(ushort) : sizeof(float));

    /// <summary>Stores one position's keys and values (each kvHeads × headDim), rounded to f16 in a half cache.</summary>
    public void Store(int layer, int position, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer));
        if ((uint)position >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(position), position, $"Cache holds {Capacity} positions.");
        int rowLength = KvHeads * HeadDim;
        if (keys.Length != rowLength) throw new ArgumentException($"Expected {rowLength} keys, got {keys.Length}.", nameof(keys));
        if (values.Length != rowLength) throw new ArgumentException($"Expected {rowLength} values, got {values.Length}.", nameof(values));
        for (int h = 0; h < KvHeads; h++)
        {
            long destination = ((long)h * Capacity + position) * HeadDim;
            StoreRow(_keys[layer], destination, keys.Slice(h * HeadDim, HeadDim));
            StoreRow(_values[layer], destination, values.Slice(h * HeadDim, HeadDim));
        }
    }

    void StoreRow(Array layer, long offset, ReadOnlySpan<float> row)
    {
        if (layer is float[] floats) row.CopyTo(floats.AsSpan((int)offset, row.Length));
        else fixed (ushort* halves = (ushort[])layer) HalfRows.StoreRow(row, halves + offset);
    }

    /// <summary>One layer's keys as floats in natural order, kvHeads × capacity × headDim (a copy, for tests and tools).</summary>
    public float[] CopyKeys(int layer) => CopyOut(_keys[layer]);

    /// <summary>One layer's values as floats in natural order, kvHeads × capacity × headDim (a copy, for tests and tools).</summary>
    public float[] CopyValues(int layer) => CopyOut(_values[layer]);

    float[] CopyOut(Array layer)
    {
        if (layer is float[] floats) return (float[])floats.Clone();
        var result = new float[layer.Length];
        fixed (ushort* halves = (ushort[])layer)
        fixed (float* output = result)
            HalfRows.LoadRows(halves, layer.Length / HeadDim, HeadDim, output);
        return result;
    }

    /// <summary>One kv head's keys in one layer (positions × headDim from position 0).</summary>
    internal CachedRows Keys(int layer, int kvHead) => Rows(_keys[layer], kvHead);

    /// <summary>One kv head's values in one layer (positions × headDim from position 0).</summary>
    internal CachedRows Values(int layer, int kvHead) => Rows(_values[layer], kvHead);

    CachedRows Rows(Array layer, int kvHead)
    {
        long offset = (long)kvHead * Capacity * HeadDim;
        // The arrays were allocated pinned: their addresses never change.
        return layer is float[] floats
            ? new CachedRows((float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(floats)) + offset, null, HeadDim)
            : new CachedRows(null, (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference((ushort[])layer)) + offset, HeadDim);
    }
}

/// <summary>
/// One kv head's cached keys or values, positions × headDim, stored as floats or as f16 <see cref="HalfRows"/>.
/// Attention reads them a block of positions at a time through <see cref="Floats"/>.
/// </summary>
internal readonly unsafe struct CachedRows(float* floats, ushort* halves, int headDim)
{
    /// <summary>Floats a <see cref="Floats"/> call may write to its scratch for <paramref name="positions"/> rows.</summary>
    public static int ScratchLength(int positions, int headDim) => positions * headDim;

    /// <summary>
    /// Rows [start, start + count) as floats: the cache itself when it holds floats, else converted into
    /// <paramref name="scratch"/> (<see cref="ScratchLength"/>(count, headDim) floats).
    /// </summary>
    public float* Floats(int start, int count, float* scratch)
    {
        if (floats != null) return floats + (long)start * headDim;
        HalfRows.LoadRows(halves + (long)start * headDim, count, headDim, scratch);
        return scratch;
    }
}
