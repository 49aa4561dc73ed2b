using ILGPU;

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
        NormalizeRow(x, y, rowStart, cols, sumOfSquares, weight, epsilon);
    }
}
