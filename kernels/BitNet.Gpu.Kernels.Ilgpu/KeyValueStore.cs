using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // cacheK[layer, row(t), i] = k[t, i];  cacheV[layer, row(t), i] = v[t, i];  row(t) = sequence[t]·contextLength + position[t]
    /// <summary>Stores the step's keys and values in one layer of the cache, each token at its own sequence's position.
    /// index.X = i &lt; kvWidth, index.Y = token.</summary>
    public static void StoreKeyValue(
        Index2D index,
        ArrayView<float> keys,              // tokens × kvWidth
        ArrayView<float> values,            // tokens × kvWidth
        ArrayView<float> cacheKeys,         // layers × sequences·contextLength × kvWidth
        ArrayView<float> cacheValues,       // layers × sequences·contextLength × kvWidth
        TokenPlaces places,
        long layerStart, int contextLength, int kvWidth)
    {
        long source = (long)index.Y * kvWidth + index.X;
        long target = layerStart + places.Row(index.Y, contextLength) * kvWidth + index.X;
        cacheKeys[target] = keys[source];
        cacheValues[target] = values[source];
    }

    // cacheK[layer, row(t), i] = f16(k[t, i]);  cacheV[layer, row(t), i] = f16(v[t, i])
    /// <summary><see cref="StoreKeyValue"/> for an f16 cache: nearest half, saturated (<see cref="HalfBits.FromFloat"/>).</summary>
    public static void StoreKeyValueHalf(
        Index2D index,
        ArrayView<float> keys,              // tokens × kvWidth
        ArrayView<float> values,            // tokens × kvWidth
        ArrayView<ushort> cacheKeys,        // layers × sequences·contextLength × kvWidth f16 bits
        ArrayView<ushort> cacheValues,      // layers × sequences·contextLength × kvWidth f16 bits
        TokenPlaces places,
        long layerStart, int contextLength, int kvWidth)
    {
        long source = (long)index.Y * kvWidth + index.X;
        long target = layerStart + places.Row(index.Y, contextLength) * kvWidth + index.X;
        cacheKeys[target] = HalfBits.FromFloat(keys[source]);
        cacheValues[target] = HalfBits.FromFloat(values[source]);
    }
}
