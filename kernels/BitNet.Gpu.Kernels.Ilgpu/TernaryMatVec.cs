using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_w blockScale[r, w] · (Σ_j w[r, 16w+j] · q[t, 16w+j]) / activationScale[t]     (one warp per row r)
    /// <summary>Ternary matrix × one token: grid (ceil(rows / warpsPerGroup), tokens), groups of warpsPerGroup warps.</summary>
    public static void TernaryMatVec<TDot>(
        ArrayView<uint> weights,            // rows × wordsPerRow, 16 codes per uint
        ArrayView<float> blockScales,       // rows × (wordsPerRow / wordsPerBlock)
        ArrayView<int> activations,         // tokens × wordsPerRow·4, int8 packed 4 per int
        ArrayView<float> activationScales,  // tokens
        ArrayView<float> output,            // tokens × rows
        int rows, int wordsPerRow, int wordsPerBlock)
        where TDot : struct, IDotProduct4
    {
        int row = WarpRow();
        int token = Grid.IdxY;
        if (row >= rows) return;

        int blocksPerRow = wordsPerRow / wordsPerBlock;
        long rowWords = (long)row * wordsPerRow;
        long tokenInts = (long)token * wordsPerRow * TernaryLayout.IntsPerWord;
        float sum = 0f;
        for (int w = Warp.LaneIdx; w < wordsPerRow; w += Warp.WarpSize)
        {
            int dot = TernaryWord.Dot<TDot>(weights[rowWords + w], activations, tokenInts + w * TernaryLayout.IntsPerWord);
            sum += blockScales[(long)row * blocksPerRow + w / wordsPerBlock] * dot;
        }
        sum = Reductions.WarpSum(sum);
        if (Warp.LaneIdx == 0)
            output[(long)token * rows + row] = sum / activationScales[token];
    }

    /// <summary>The row a warp works on: warps are numbered across the groups of grid dimension X.</summary>
    static int WarpRow() => Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;
}
