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
        output[(long)index.Y * headDim + index.X] = CombinedValue(partialOutput, partialMax, partialSum, index.Y, index.X, headDim, splits);
    }

    /// <summary>out[d] of one (token, head) as <see cref="AttentionCombine"/> merges it; tokenHead = token · heads + head.</summary>
    static float CombinedValue(ArrayView<float> partialOutput, ArrayView<float> partialMax, ArrayView<float> partialSum,
                               long tokenHead, int d, int headDim, int splits)
    {
        long firstSlot = tokenHead * splits;
        float max = float.NegativeInfinity;
        for (int s = 0; s < splits; s++) max = IntrinsicMath.Max(max, partialMax[firstSlot + s]);

        float total = 0f, value = 0f;
        for (int s = 0; s < splits; s++)
        {
            float weight = XMath.Exp(partialMax[firstSlot + s] - max);   // an empty split has m = −∞: weight 0
            total += weight * partialSum[firstSlot + s];
            value += weight * partialOutput[(firstSlot + s) * headDim + d];
        }
        return value / total;
    }
}
