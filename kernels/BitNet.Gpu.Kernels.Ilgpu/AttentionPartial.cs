using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // over positions p of one split (p ≤ position[t]):  m = max_p s_p,  l = Σ_p e^(s_p − m),  o = Σ_p e^(s_p − m) v_p,
    // s_p = q[t, h] · k[sequence[t], p, h / groupSize] / sqrt(headDim)
    /// <summary>
    /// Causal attention over one split of the token's own cached sequence, for one (token, head): an online softmax over
    /// tiles of key positions scored in shared memory. Grid (splits, heads, tokens), one group of GroupSize threads each;
    /// thread d owns output dimensions d and d + GroupSize. <see cref="AttentionCombine"/> merges the splits.
    /// The cache is read through <typeparamref name="TCache"/>: floats, or f16 widened as it is read.
    /// </summary>
    public static void AttentionPartial<TCache>(
        ArrayView<float> queries,           // tokens × heads·headDim
        TCache cacheKeys,                   // layers × sequences·contextLength × kvWidth
        TCache cacheValues,                 // layers × sequences·contextLength × kvWidth
        ArrayView<float> partialOutput,     // tokens × heads × splits × headDim
        ArrayView<float> partialMax,        // tokens × heads × splits
        ArrayView<float> partialSum,        // tokens × heads × splits
        TokenPlaces places,
        long layerStart, int contextLength, int heads, int kvHeads, int headDim, int positionsPerSplit)
        where TCache : struct, IDenseWeights
    {
        int split = Grid.IdxX, head = Grid.IdxY, token = Grid.IdxZ, splits = Grid.DimX;
        int tid = Group.IdxX;
        var weights = SharedMemory.Allocate<float>(KernelShapes.AttentionTile);

        int kvWidth = kvHeads * headDim;
        long queryStart = ((long)token * heads + head) * headDim;
        long sequenceStart = layerStart + places.FirstRow(token, contextLength) * kvWidth;
        long headOffset = sequenceStart + (long)(head / (heads / kvHeads)) * headDim;
        int first = split * positionsPerSplit;
        int end = IntrinsicMath.Min(first + positionsPerSplit, places.Position(token) + 1);
        float scoreScale = 1f / XMath.Sqrt((float)headDim);

        float runningMax = float.NegativeInfinity, runningSum = 0f, out0 = 0f, out1 = 0f;
        int d0 = tid, d1 = tid + KernelShapes.GroupSize;
        for (int tileStart = first; tileStart < end; tileStart += KernelShapes.AttentionTile)
        {
            int position = tileStart + tid;
            float score = float.NegativeInfinity;
            if (position < end)
            {
                long keyStart = headOffset + (long)position * kvWidth;
                float dot = 0f;
                for (int i = 0; i < headDim; i++) dot += queries[queryStart + i] * cacheKeys.Get(keyStart + i);
                score = dot * scoreScale;
            }
            float newMax = IntrinsicMath.Max(runningMax, Reductions.GroupMax(score));
            float correction = XMath.Exp(runningMax - newMax);
            float weight = position < end ? XMath.Exp(score - newMax) : 0f;
            weights[tid] = weight;
            runningSum = runningSum * correction + Reductions.GroupSum(weight);   // its barriers publish weights[]

            out0 *= correction;
            out1 *= correction;
            int count = IntrinsicMath.Min(KernelShapes.AttentionTile, end - tileStart);
            for (int j = 0; j < count; j++)
            {
                long valueStart = headOffset + (long)(tileStart + j) * kvWidth;
                if (d0 < headDim) out0 += weights[j] * cacheValues.Get(valueStart + d0);
                if (d1 < headDim) out1 += weights[j] * cacheValues.Get(valueStart + d1);
            }
            runningMax = newMax;
            Group.Barrier();   // every thread has read weights[] before the next tile rewrites it
        }

        long slot = ((long)token * heads + head) * splits + split;
        if (d0 < headDim) partialOutput[slot * headDim + d0] = out0;
        if (d1 < headDim) partialOutput[slot * headDim + d1] = out1;
        if (tid == 0)
        {
            partialMax[slot] = runningMax;
            partialSum[slot] = runningSum;
        }
    }
}
