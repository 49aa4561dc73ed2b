using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // out[t, h, d] = Σ_s e^(m_s − M) o_s[d] / Σ_s e^(m_s − M) l_s,  M = max_s m_s
    /// <summary>Merges the per-split softmax partials of <see cref="AttentionPartial"/>. index.X = d, index.Y = token · heads + head.</summary>
    public static void AttentionCombine(
        Index2D index,
        ArrayView<float> partialOutput,     // tokens × heads × splits × headDim
        ArrayView<float> partialMax,        // tokens × heads × splits
        ArrayView<float> partialSum,        // tokens × heads × splits
        ArrayView<float> output,            // tokens × heads·headDim
        int headDim, int splits)
    {
        long firstSlot = (long)index.Y * splits;
        float max = float.NegativeInfinity;
        for (int s = 0; s < splits; s++) max = IntrinsicMath.Max(max, partialMax[firstSlot + s]);

        float total = 0f, value = 0f;
        for (int s = 0; s < splits; s++)
        {
            float weight = XMath.Exp(partialMax[firstSlot + s] - max);   // an empty split has m = −∞: weight 0
            total += weight * partialSum[firstSlot + s];
            value += weight * partialOutput[(firstSlot + s) * headDim + index.X];
        }
        output[(long)index.Y * headDim + index.X] = value / total;
    }
}
