using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// Q8_0-style blocks: each run of 32 consecutive values is 32 int8 codes and one float scale, value ≈ scale · code.
/// The int8 output layer keeps its weights this way and quantizes its input the same way, so every block's dot product
/// is an integer sum (dp4a on CUDA) scaled once. A block's own scale keeps an outlier from coarsening a whole row.
/// </summary>
public static class Q8Layout
{
    public const int BlockSize = 32;

    /// <summary>Ints of packed codes (four per int) for <paramref name="count"/> values.</summary>
    public static long IntsFor(long count) => count / TernaryLayout.ValuesPerInt;

    /// <summary>Blocks (and scales) for <paramref name="count"/> values.</summary>
    public static long BlocksFor(long count) => count / BlockSize;
}

public static partial class GpuKernels
{
    // scale[b] = max_j |v[32b + j]| / 127;  code[32b + j] = roundHalfEven(v[32b + j] · 127 / max_j |v[32b + j]|)  (0 when the block is 0)
    /// <summary>Quantizes block b of the values (F16 weights or float activations) to int8 codes. index = block.</summary>
    public static void QuantizeBlocks<TValues>(
        Index1D block,
        TValues values,                     // blocks × 32
        ArrayView<int> codes,               // blocks × 8, four codes per int
        ArrayView<float> scales)            // blocks
        where TValues : struct, IDenseWeights
    {
        long first = (long)block.X * Q8Layout.BlockSize;
        float largest = 0f;
        for (int j = 0; j < Q8Layout.BlockSize; j++)
            largest = IntrinsicMath.Max(largest, IntrinsicMath.Abs(values.Get(first + j)));
        float toCodes = largest > 0f ? 127f / largest : 0f;

        const int intsPerBlock = Q8Layout.BlockSize / TernaryLayout.ValuesPerInt;
        for (int i = 0; i < intsPerBlock; i++)
        {
            int packed = 0;
            for (int k = 0; k < TernaryLayout.ValuesPerInt; k++)
            {
                int code = (int)IntrinsicMath.Clamp(RoundHalfToEven(values.Get(first + i * TernaryLayout.ValuesPerInt + k) * toCodes), -127f, 127f);
                packed |= (code & 0xFF) << (8 * k);
            }
            codes[(long)block.X * intsPerBlock + i] = packed;
        }
        scales[block.X] = largest / 127f;
    }
}
