using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, c] = x[t, c] / sqrt(mean_c(x[t, c]²) + eps) · weight[c]      (y may be x)
    /// <summary>RMS normalization. Grid: one group per token row.</summary>
    public static void RmsNorm(
        ArrayView<float> x,                 // tokens × cols
        ArrayView<float> weight,            // cols
        ArrayView<float> y,                 // tokens × cols
        int cols, float epsilon)
    {
        long rowStart = (long)Grid.IdxX * cols;
        float sumOfSquares = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            float v = x[rowStart + c];
            sumOfSquares += v * v;
        }
        float inverseRms = 1f / XMath.Sqrt(Reductions.GroupSum(sumOfSquares) / cols + epsilon);
        // Each thread rewrites only the elements it read, after the reduction: safe in place.
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
            y[rowStart + c] = x[rowStart + c] * inverseRms * weight[c];
    }
}
