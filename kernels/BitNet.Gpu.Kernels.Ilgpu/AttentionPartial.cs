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
    /// thread p of a tile scores position tileStart + p, and thread d owns output dimensions d and d + GroupSize.
    /// <see cref="AttentionCombine"/> merges the splits.
    /// Keys are staged through shared memory (<see cref="StageKeySlice"/>): a thread's own key row would be a strided read
    /// (kvWidth apart between neighbouring threads), so the group copies the tile's keys a slice of dimensions at a time with
    /// each warp reading consecutive floats of one row. The query is staged once. Values need no staging: thread d already
    /// reads dimension d of each value row, consecutive across the group.
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
        var query = SharedMemory.Allocate<float>(KernelShapes.MaxHeadDim);
        var keySlice = SharedMemory.Allocate<float>(KernelShapes.AttentionTile * KeySliceStride);

        int kvWidth = kvHeads * headDim;
        long queryStart = ((long)token * heads + head) * headDim;
        long sequenceStart = layerStart + places.FirstRow(token, contextLength) * kvWidth;
        long headOffset = sequenceStart + (long)(head / (heads / kvHeads)) * headDim;
        int first = split * positionsPerSplit;
        int end = IntrinsicMath.Min(first + positionsPerSplit, places.Position(token) + 1);
        float scoreScale = 1f / XMath.Sqrt((float)headDim);

        for (int i = tid; i < headDim; i += KernelShapes.GroupSize) query[i] = queries[queryStart + i];

        float runningMax = float.NegativeInfinity, runningSum = 0f, out0 = 0f, out1 = 0f;
        int d0 = tid, d1 = tid + KernelShapes.GroupSize;
        for (int tileStart = first; tileStart < end; tileStart += KernelShapes.AttentionTile)
        {
            int position = tileStart + tid;
            int count = IntrinsicMath.Min(KernelShapes.AttentionTile, end - tileStart);
            float dot = 0f;
            for (int sliceStart = 0; sliceStart < headDim; sliceStart += KeySlice)
            {
                StageKeySlice(cacheKeys, keySlice, headOffset + (long)tileStart * kvWidth, kvWidth, count, sliceStart, headDim);
                Group.Barrier();   // the slice (and, the first time, the query) is in shared memory
                int sliceEnd = IntrinsicMath.Min(KeySlice, headDim - sliceStart);
                for (int i = 0; i < sliceEnd; i++) dot += query[sliceStart + i] * keySlice[tid * KeySliceStride + i];
                Group.Barrier();   // every thread has read the slice before the next one overwrites it
            }
            float score = position < end ? dot * scoreScale : float.NegativeInfinity;
            float newMax = IntrinsicMath.Max(runningMax, Reductions.FixedGroupMax(score));
            float correction = XMath.Exp(runningMax - newMax);
            float weight = position < end ? XMath.Exp(score - newMax) : 0f;
            weights[tid] = weight;
            runningSum = runningSum * correction + Reductions.FixedGroupSum(weight);   // its barriers publish weights[]

            out0 *= correction;
            out1 *= correction;
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

    /// <summary>Key dimensions staged per pass: one warp-wide read of a key row.</summary>
    const int KeySlice = 32;
    /// <summary>A staged row's stride in shared memory: one more than the slice, so thread p reading its row's dimension i
    /// and thread p + 1 reading theirs hit different banks.</summary>
    const int KeySliceStride = KeySlice + 1;

    // keySlice[p, i] = key[tileStart + p, sliceStart + i]  for p < count and sliceStart + i < headDim
    /// <summary>Copies dimensions [sliceStart, sliceStart + KeySlice) of the tile's <paramref name="count"/> keys to shared
    /// memory; thread t copies dimension t % KeySlice of rows t / KeySlice, + GroupSize / KeySlice, ….</summary>
    static void StageKeySlice<TCache>(TCache cacheKeys, ArrayView<float> keySlice, long tileKeysStart, int kvWidth, int count, int sliceStart, int headDim)
        where TCache : struct, IDenseWeights
    {
        int tid = Group.IdxX;
        int dimension = tid % KeySlice;
        const int rowsPerPass = KernelShapes.GroupSize / KeySlice;
        for (int row = tid / KeySlice; row < count; row += rowsPerPass)
            keySlice[row * KeySliceStride + dimension] = sliceStart + dimension < headDim
                ? cacheKeys.Get(tileKeysStart + (long)row * kvWidth + sliceStart + dimension)
                : 0f;
    }
}
