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
/// Each layer's keys and values are a block of <see cref="LargePageMemory"/>: a generated token reads the whole history
/// of every layer, up to 630 MB at 4096 positions in float32, and with 4 KiB pages the page walks alone halved the rate
/// attention read it at (benchmarks/README).
/// </summary>
public sealed unsafe class KvCache : IDisposable
{
    readonly byte*[] _keys;   // per layer: kvHeads × capacity × headDim floats, or f16 bits in HalfRows order
    readonly byte*[] _values;

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
        ElementsPerLayer = perLayer;
        _keys = new byte*[layers];
        _values = new byte*[layers];
        try
        {
            for (int l = 0; l < layers; l++)
            {
                _keys[l] = AllocateLayer();
                _values[l] = AllocateLayer();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>A zeroed layer block (positions never stored are never read, but zeros keep a stray read harmless).</summary>
    byte* AllocateLayer() => (byte*)LargePageMemory.AllocateZeroed(ElementsPerLayer * ElementBytes);

    public int Layers { get; }
    public int KvHeads { get; }
    /// <summary>Positions the cache holds.</summary>
    public int Capacity { get; }
    public int HeadDim { get; }
    public KvCacheElement Element { get; }
    long ElementsPerLayer { get; }
    int ElementBytes => Element == KvCacheElement.Half ? sizeof(ushort) : sizeof(float);

    /// <summary>Bytes of keys and values one position of one layer takes.</summary>
    public int BytesPerPosition => 2 * KvHeads * HeadDim * ElementBytes;

    /// <summary>Stores one position's keys and values (each kvHeads × headDim), rounded to f16 in a half cache.</summary>
    public void Store(int layer, int position, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        ThrowIfDisposed();
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

    void StoreRow(byte* layer, long offset, ReadOnlySpan<float> row)
    {
        if (Element == KvCacheElement.Half) HalfRows.StoreRow(row, (ushort*)layer + offset);
        else row.CopyTo(new Span<float>((float*)layer + offset, row.Length));
    }

    /// <summary>One layer's keys as floats in natural order, kvHeads × capacity × headDim (a copy, for tests and tools).</summary>
    public float[] CopyKeys(int layer) => CopyOut(_keys[layer]);

    /// <summary>One layer's values as floats in natural order, kvHeads × capacity × headDim (a copy, for tests and tools).</summary>
    public float[] CopyValues(int layer) => CopyOut(_values[layer]);

    float[] CopyOut(byte* layer)
    {
        ThrowIfDisposed();
        var result = new float[ElementsPerLayer];
        fixed (float* output = result)
        {
            if (Element == KvCacheElement.Half) HalfRows.LoadRows((ushort*)layer, (int)(ElementsPerLayer / HeadDim), HeadDim, output);
            else new ReadOnlySpan<float>(layer, result.Length).CopyTo(result);
        }
        return result;
    }

    /// <summary>One kv head's keys in one layer (positions × headDim from row <paramref name="firstRow"/>).</summary>
    internal CachedRows Keys(int layer, int kvHead, int firstRow = 0) => Rows(_keys[layer], kvHead, firstRow);

    /// <summary>One kv head's values in one layer (positions × headDim from row <paramref name="firstRow"/>).</summary>
    internal CachedRows Values(int layer, int kvHead, int firstRow = 0) => Rows(_values[layer], kvHead, firstRow);

    CachedRows Rows(byte* layer, int kvHead, int firstRow)
    {
        ThrowIfDisposed();
        long offset = ((long)kvHead * Capacity + firstRow) * HeadDim;
        return Element == KvCacheElement.Half
            ? new CachedRows(null, (ushort*)layer + offset, HeadDim)
            : new CachedRows((float*)layer + offset, null, HeadDim);
    }

    /// <summary>
    /// One layer's keys and values for rows [firstRow, firstRow + positions) as floats, for a prompt's queries that each
    /// read all of them: an f16 cache converts them once per call (into a buffer the next call reuses) instead of once per
    /// query. A float cache gives its own rows. The result's row 0 is <paramref name="firstRow"/>.
    /// </summary>
    internal FloatLayer FloatsUpTo(int layer, int firstRow, int positions, KernelThreadPool pool)
    {
        ThrowIfDisposed();
        long rowOffset = (long)firstRow * HeadDim;
        if (Element == KvCacheElement.Single)
            return new FloatLayer((float*)_keys[layer] + rowOffset, (float*)_values[layer] + rowOffset, Capacity, HeadDim);
        if (_prefixFloats == null) _prefixFloats = (float*)LargePageMemory.Allocate(2 * ElementsPerLayer * sizeof(float));
        float* keys = _prefixFloats, values = _prefixFloats + ElementsPerLayer;
        ushort* halfKeys = (ushort*)_keys[layer], halfValues = (ushort*)_values[layer];
        long headStride = (long)Capacity * HeadDim;
        pool.For(2 * KvHeads, (first, end) =>
        {
            for (int item = first; item < end; item++) // item = 2 · kvHead + (0 keys, 1 values)
            {
                long offset = item / 2 * headStride + rowOffset;
                if (item % 2 == 0) HalfRows.LoadRows(halfKeys + offset, positions, HeadDim, keys + offset);
                else HalfRows.LoadRows(halfValues + offset, positions, HeadDim, values + offset);
            }
        });
        return new FloatLayer(keys + rowOffset, values + rowOffset, Capacity, HeadDim);
    }

    float* _prefixFloats; // an f16 cache's float copy of one layer's prefix, made by FloatsUpTo

    bool _disposed;

    void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int l = 0; l < Layers; l++)
        {
            LargePageMemory.Free(_keys[l]); // null (a failed allocation) is ignored
            LargePageMemory.Free(_values[l]);
            _keys[l] = _values[l] = null;
        }
        LargePageMemory.Free(_prefixFloats);
        _prefixFloats = null;
    }
}

/// <summary>One layer's keys and values as floats, [kvHead][position][headDim] with room for capacity positions per head.</summary>
internal readonly unsafe struct FloatLayer(float* keys, float* values, int capacity, int headDim)
{
    public CachedRows Keys(int kvHead) => new(keys + (long)kvHead * capacity * headDim, null, headDim);
    public CachedRows Values(int kvHead) => new(values + (long)kvHead * capacity * headDim, null, headDim);
}

/// <summary>
/// One kv head's cached keys or values, positions × headDim, stored as floats or as f16 <see cref="HalfRows"/>.
/// Attention reads them a block of positions at a time through <see cref="Floats"/>, or f16 rows in place
/// (<see cref="Halves"/>, <see cref="HalfRowProducts"/>).
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

    /// <summary>Whether the cache stores f16 rows (<see cref="Halves"/> is then not null).</summary>
    public bool HoldsHalves => halves != null;

    /// <summary>Row <paramref name="start"/> on as stored f16 <see cref="HalfRows"/>, or null when the cache holds floats.</summary>
    public ushort* Halves(int start) => halves == null ? null : halves + (long)start * headDim;
}
