using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, c] = table[tokens[t], c]
    /// <summary>Embedding lookup. index.X = c &lt; cols, index.Y = token.</summary>
    public static void Embed<TWeights>(
        Index2D index,
        TWeights table,                     // vocab × cols
        ArrayView<int> tokens,              // tokens
        ArrayView<float> output,            // tokens × cols
        int cols)
        where TWeights : struct, IDenseWeights
    {
        output[(long)index.Y * cols + index.X] = table.Get((long)tokens[index.Y] * cols + index.X);
    }
}
