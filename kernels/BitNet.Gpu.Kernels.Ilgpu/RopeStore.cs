using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>One layer's key and value cache rows as a kernel writes them: f32, or f16 bits.</summary>
public interface IKeyValueRows
{
    /// <summary>Stores one key and one value at element <paramref name="index"/> of the cache.</summary>
    void Store(long index, float key, float value);
}

/// <summary>An f32 cache.</summary>
public struct FloatKeyValueRows(ArrayView<float> keys, ArrayView<float> values) : IKeyValueRows
{
    public ArrayView<float> Keys = keys;
    public ArrayView<float> Values = values;

    public readonly void Store(long index, float key, float value)
    {
        Keys[index] = key;
        Values[index] = value;
    }
}

/// <summary>An f16 cache: nearest half, saturated, as <see cref="GpuKernels.StoreKeyValueHalf"/>.</summary>
public struct HalfKeyValueRows(ArrayView<ushort> keys, ArrayView<ushort> values) : IKeyValueRows
{
    public ArrayView<ushort> Keys = keys;
    public ArrayView<ushort> Values = values;

    public readonly void Store(long index, float key, float value)
    {
        Keys[index] = HalfBits.FromFloat(key);
        Values[index] = HalfBits.FromFloat(value);
    }
}

public static partial class GpuKernels
{
    // q[t], k[t] ← Rope(q[t]), Rope(k[t]) at position[t];  cacheK[layer, row(t)] = k[t];  cacheV[layer, row(t)] = v[t]
    /// <summary>
    /// RoPE of the step's queries and keys and the store of its keys and values in the cache, in one launch, with the
    /// arithmetic of <see cref="Rope"/> and <see cref="StoreKeyValue"/>. One thread per pair of head elements:
    /// index.X = head · headDim/2 + pair over the query heads, then the key/value heads; index.Y = token. A pair past the
    /// rotated dimensions is two consecutive elements, left as they are (queries) or only stored (keys).
    /// </summary>
    public static void RopeStore<TCache>(
        Index2D index,
        ArrayView<float> queries,           // tokens × heads·headDim, rotated in place
        ArrayView<float> keys,              // tokens × kvHeads·headDim, rotated in place
        ArrayView<float> values,            // tokens × kvHeads·headDim
        TCache cache,                       // layers × sequences·contextLength × kvHeads·headDim
        ArrayView<float> cosSin,            // positions × ropeDims/2 × (cos, sin)
        TokenPlaces places,
        long layerStart, int contextLength, int heads, int kvHeads, int headDim, int ropeDims, int neox)
        where TCache : struct, IKeyValueRows
    {
        int pairsPerHead = headDim / 2, half = ropeDims / 2;
        int head = index.X / pairsPerHead, pair = index.X % pairsPerHead;
        int token = index.Y;
        int a = PairFirst(pair, half, neox), b = PairSecond(pair, half, neox);
        bool rotated = pair < half;
        if (head < heads)
        {
            long queryHead = ((long)token * heads + head) * headDim;
            if (rotated) Rotate(queries, queryHead + a, queryHead + b, cosSin, Angle(places.Position(token), pair, half));
            return;
        }
        int kvHead = head - heads, kvWidth = kvHeads * headDim;
        long keyHead = (long)token * kvWidth + kvHead * headDim;
        if (rotated) Rotate(keys, keyHead + a, keyHead + b, cosSin, Angle(places.Position(token), pair, half));
        long cacheHead = layerStart + places.Row(token, contextLength) * kvWidth + kvHead * headDim;
        cache.Store(cacheHead + a, keys[keyHead + a], values[keyHead + a]);
        cache.Store(cacheHead + b, keys[keyHead + b], values[keyHead + b]);
    }
}
