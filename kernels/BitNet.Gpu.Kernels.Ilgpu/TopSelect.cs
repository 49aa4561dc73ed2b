using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>Radix selection's histogram: 8 key bits a pass.</summary>
static class TopSelectBins
{
    public const int Count = 256;
}

public static partial class GpuKernels
{
    // kept[t] = every (c, logits[t, c]) with logits[t, c] ≥ the k-th largest of row t (ties kept), after its count
    /// <summary>
    /// Each row's top-k list for a top-k sampler (one group per row): the k-th largest is found by radix selection on
    /// order-preserving keys, four passes each counting the next 8 key bits among the values that share the bits found
    /// so far; then the values at or above it are compacted into the row's list. Grid (rows), group GroupSize.
    /// </summary>
    public static void TopSelect(
        ArrayView<float> logits,   // rows × cols
        ArrayView<int> kept,       // rows × 2·(1 + capacity): count, 0, then (column, value bits) pairs
        int cols, int k,           // 1 ≤ k ≤ cols
        int capacity)              // pairs a row's list holds
    {
        long rowStart = (long)Grid.IdxX * cols;
        long listStart = (long)Grid.IdxX * 2 * (1 + capacity);
        int lane = Group.IdxX;
        var histogram = SharedMemory.Allocate<int>(TopSelectBins.Count);
        var search = SharedMemory.Allocate<uint>(2);   // the key bits found so far, and which bits they are
        var counts = SharedMemory.Allocate<int>(2);    // how many of the largest are still to pass, values kept
        if (lane == 0)
        {
            search[0] = 0u; search[1] = 0u;
            counts[0] = k; counts[1] = 0;
        }

        for (int shift = 24; shift >= 0; shift -= 8)
        {
            for (int bin = lane; bin < TopSelectBins.Count; bin += Group.DimX) histogram[bin] = 0;
            Group.Barrier();
            uint found = search[0], mask = search[1];
            for (int c = lane; c < cols; c += Group.DimX)
            {
                uint key = OrderKey(logits[rowStart + c]);
                if ((key & mask) == found) Atomic.Add(ref histogram[(int)((key >> shift) & 0xFFu)], 1);
            }
            Group.Barrier();
            if (lane == 0) ChooseBin(histogram, search, counts, shift);
            Group.Barrier();
        }

        uint threshold = search[0];   // the key of the k-th largest value
        for (int c = lane; c < cols; c += Group.DimX)
        {
            float value = logits[rowStart + c];
            if (OrderKey(value) < threshold) continue;
            int slot = Atomic.Add(ref counts[1], 1);
            if (slot < capacity)
            {
                kept[listStart + 2 + 2 * slot] = c;
                kept[listStart + 3 + 2 * slot] = (int)Interop.FloatAsInt(value);
            }
        }
        Group.Barrier();
        if (lane == 0)
        {
            kept[listStart] = counts[1];
            kept[listStart + 1] = 0;
        }
    }

    /// <summary>The float's bits as a uint ordered as the floats are (negatives flipped; NaN sorts above +∞).</summary>
    static uint OrderKey(float value)
    {
        uint bits = Interop.FloatAsInt(value);
        return (bits & 0x80000000u) != 0u ? ~bits : bits | 0x80000000u;
    }

    /// <summary>The bin, from the top, in which the counts[0]-th largest key lies; the search narrows to it.</summary>
    static void ChooseBin(ArrayView<int> histogram, ArrayView<uint> search, ArrayView<int> counts, int shift)
    {
        int above = 0;
        for (int bin = TopSelectBins.Count - 1; bin >= 0; bin--)
        {
            int count = histogram[bin];
            if (above + count >= counts[0])
            {
                search[0] |= (uint)bin << shift;
                search[1] |= 0xFFu << shift;
                counts[0] -= above;
                return;
            }
            above += count;
        }
    }
}
