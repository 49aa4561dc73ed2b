using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Attention's two products over an f16 KV cache read in place: the rows are <see cref="HalfRows"/> and each run of 32
/// values is converted in registers as it is loaded, instead of first into a float scratch that the products then read
/// again. Results are the same to the bit as <see cref="FloatMath.DotRowsFourQueries"/> and
/// <see cref="FloatMath.WeightedSumFourQueries"/> over the converted rows: the conversion is exact and every accumulator
/// takes the same products in the same order as FloatMath's loop on the same CPU.
/// <para>
/// The rows are also asked for ahead (<see cref="PrefetchRows"/>): a range of positions is a few tens of KB, too short
/// for the hardware prefetcher to reach DRAM speed. At 2048 positions (2B4T shape, 2 threads, AVX-512) attention took
/// 9.0 ms a token through the float scratch and 5.4 ms read in place with prefetch (benchmarks/README).
/// </para>
/// </summary>
internal static unsafe class HalfRowProducts
{
    /// <summary>Rows ahead of the one being read that are asked for (8 KB of 128-value rows).</summary>
    internal const int PrefetchRows = 32;

    /// <summary>As <see cref="HalfRows"/>'s load: a half shifted into a float's exponent and mantissa is value·2^-112.</summary>
    internal const int FloatPlaceMask = unchecked((int)0x8FFFE000);

    /// <summary>
    /// Whether the products run here for rows of <paramref name="dim"/> values: on AVX-512 for whole runs of 64 (the weighted
    /// sum's 64 columns), on AVX2 for whole runs of 32. Elsewhere callers convert the rows to floats first.
    /// </summary>
    public static bool Supports(int dim) => Vector512.IsHardwareAccelerated ? dim % 64 == 0 : Vector256.IsHardwareAccelerated && dim % HalfRows.Run == 0;

    /// <summary>
    /// results[h·resultStride + r] = scale · Σ_i q[h·dim + i]·k[r, i] for the four queries h and <paramref name="count"/>
    /// f16 rows k (attention scores), as <see cref="FloatMath.DotRowsFourQueries"/>. Only where <see cref="Supports"/>.
    /// </summary>
    /// <param name="scratch">Room for 3 rows of floats.</param>
    public static void DotRowsFourQueries(float* q, ushort* rows, int count, int dim, float scale, float* results, int resultStride, float* scratch)
    {
        if (Vector512.IsHardwareAccelerated) HalfRowProductsAvx512.DotRowsFourQueries(q, rows, count, dim, scale, results, resultStride, scratch);
        else HalfRowProductsAvx2.DotRowsFourQueries(q, rows, count, dim, scale, results, resultStride);
    }

    /// <summary>
    /// output[h·outputStride + i] = Σ_r weights[h·weightStride + r]·v[r, i] for the four queries h over <paramref name="count"/>
    /// f16 rows v (attention's values), overwriting output, as <see cref="FloatMath.WeightedSumFourQueries"/>. Only where
    /// <see cref="Supports"/>.
    /// </summary>
    public static void WeightedSumFourQueries(float* weights, int weightStride, ushort* rows, int count, int dim, float* output, int outputStride)
    {
        if (Vector512.IsHardwareAccelerated) HalfRowProductsAvx512.WeightedSumFourQueries(weights, weightStride, rows, count, dim, output, outputStride);
        else HalfRowProductsAvx2.WeightedSumFourQueries(weights, weightStride, rows, count, dim, output, outputStride);
    }
}
