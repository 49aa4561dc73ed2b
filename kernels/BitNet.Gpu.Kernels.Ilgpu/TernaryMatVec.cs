using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_w blockScale[r, w] · (Σ_j w[r, 16w+j] · q[t, 16w+j]) / activationScale[t]     (one team of threads per row r)
    /// <summary>
    /// Ternary matrix × one token. Grid (ceil(rows / RowsPerGroup), tokens), groups of GroupSize threads; the RowTeam
    /// threads of a row read consecutive weight words (coalesced) and sum their integer dot products.
    /// </summary>
    public static void TernaryMatVec<TDot, TSum>(
        ArrayView<uint> weights,            // rows × wordsPerRow, 16 codes per uint
        ArrayView<float> blockScales,       // rows × (wordsPerRow / wordsPerBlock)
        ArrayView<int> activations,         // tokens × wordsPerRow·4, int8 packed 4 per int
        ArrayView<float> activationScales,  // tokens
        ArrayView<float> output,            // tokens × rows
        int rows, int wordsPerRow, int wordsPerBlock)
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        int row = TeamRow();
        int token = Grid.IdxY;
        int words = row < rows ? wordsPerRow : 0;   // no early return: every thread reaches the reduction's barriers

        int blocksPerRow = wordsPerRow / wordsPerBlock;
        long rowWords = (long)row * wordsPerRow;
        long tokenInts = (long)token * wordsPerRow * TernaryLayout.IntsPerWord;
        float sum = 0f;
        for (int w = TeamLane(); w < words; w += KernelShapes.RowTeam)
        {
            int dot = TernaryWord.Dot<TDot>(weights[rowWords + w], activations, tokenInts + w * TernaryLayout.IntsPerWord);
            sum += blockScales[(long)row * blocksPerRow + w / wordsPerBlock] * dot;
        }
        sum = default(TSum).TeamSum(sum);
        if (TeamLane() == 0 && row < rows)
            output[(long)token * rows + row] = sum / activationScales[token];
    }

    /// <summary>The row a team of RowTeam threads works on: teams are numbered across the groups of grid dimension X.</summary>
    static int TeamRow() => Grid.IdxX * KernelShapes.RowsPerGroup + Group.IdxX / KernelShapes.RowTeam;

    /// <summary>A thread's place in its row team.</summary>
    static int TeamLane() => Group.IdxX % KernelShapes.RowTeam;
}
