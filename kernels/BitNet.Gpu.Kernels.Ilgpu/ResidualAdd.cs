using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // x[i] += y[i]
    /// <summary>The residual connection, over tokens × cols values.</summary>
    public static void ResidualAdd(Index1D i, ArrayView<float> x, ArrayView<float> y) => x[i] += y[i];
}
