using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // cacheK[layer, start + t, i] = k[t, i];  cacheV[layer, start + t, i] = v[t, i]
    /// <summary>Appends the step's keys and values to one layer of the cache. index.X = i &lt; kvWidth, index.Y = token.</summary>
    public static void StoreKeyValue(
        Index2D index,
        ArrayView<float> keys,              // tokens × kvWidth
        ArrayView<float> values,            // tokens × kvWidth
        ArrayView<float> cacheKeys,         // layers × contextLength × kvWidth
        ArrayView<float> cacheValues,       // layers × contextLength × kvWidth
        long layerStart, int kvWidth, int startPosition)
    {
        long source = (long)index.Y * kvWidth + index.X;
        long target = layerStart + (long)(startPosition + index.Y) * kvWidth + index.X;
        cacheKeys[target] = keys[source];
        cacheValues[target] = values[source];
    }

    // cacheK[layer, start + t, i] = f16(k[t, i]);  cacheV[layer, start + t, i] = f16(v[t, i])
    /// <summary><see cref="StoreKeyValue"/> for an f16 cache: nearest half, saturated (<see cref="HalfBits.FromFloat"/>).</summary>
    public static void StoreKeyValueHalf(
        Index2D index,
        ArrayView<float> keys,              // tokens × kvWidth
        ArrayView<float> values,            // tokens × kvWidth
        ArrayView<ushort> cacheKeys,        // layers × contextLength × kvWidth f16 bits
        ArrayView<ushort> cacheValues,      // layers × contextLength × kvWidth f16 bits
        long layerStart, int kvWidth, int startPosition)
    {
        long source = (long)index.Y * kvWidth + index.X;
        long target = layerStart + (long)(startPosition + index.Y) * kvWidth + index.X;
        cacheKeys[target] = HalfBits.FromFloat(keys[source]);
        cacheValues[target] = HalfBits.FromFloat(values[source]);
    }
}
