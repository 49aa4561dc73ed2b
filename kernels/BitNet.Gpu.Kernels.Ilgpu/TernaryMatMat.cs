using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_w blockScale[r, w] · (Σ_j w[r, 16w+j] · q[t, 16w+j]) / activationScale[t]   for a tile of 4 tokens
    /// <summary>
    /// Ternary matrix × a prompt batch: each weight word is read once for a tile of four tokens.
    /// Grid (ceil(rows / RowsPerGroup), ceil(tokens / 4)), groups of GroupSize threads, one team of RowTeam threads per row.
    /// </summary>
    public static void TernaryMatMat<TDot, TSum>(
        ArrayView<uint> weights,            // rows × wordsPerRow, 16 codes per uint
        ArrayView<float> blockScales,       // rows × (wordsPerRow / wordsPerBlock)
        ArrayView<int> activations,         // tokens × wordsPerRow·4, int8 packed 4 per int
        ArrayView<float> activationScales,  // tokens
        ArrayView<float> output,            // tokens × rows
        int rows, int tokens, int wordsPerRow, int wordsPerBlock)
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        int row = TeamRow();
        int firstToken = Grid.IdxY * KernelShapes.TokensPerTile;
        int words = row < rows ? wordsPerRow : 0;   // no early return: every thread reaches the reduction's barriers

        int blocksPerRow = wordsPerRow / wordsPerBlock;
        int intsPerRow = wordsPerRow * TernaryLayout.IntsPerWord;
        int tileTokens = IntrinsicMath.Min(KernelShapes.TokensPerTile, tokens - firstToken);
        long rowWords = (long)row * wordsPerRow;
        float sum0 = 0f, sum1 = 0f, sum2 = 0f, sum3 = 0f;
        for (int w = TeamLane(); w < words; w += KernelShapes.RowTeam)
        {
            uint word = weights[rowWords + w];
            float scale = blockScales[(long)row * blocksPerRow + w / wordsPerBlock];
            long firstInt = (long)firstToken * intsPerRow + w * TernaryLayout.IntsPerWord;
            sum0 += scale * TernaryWord.Dot<TDot>(word, activations, firstInt);
            if (tileTokens > 1) sum1 += scale * TernaryWord.Dot<TDot>(word, activations, firstInt + intsPerRow);
            if (tileTokens > 2) sum2 += scale * TernaryWord.Dot<TDot>(word, activations, firstInt + 2L * intsPerRow);
            if (tileTokens > 3) sum3 += scale * TernaryWord.Dot<TDot>(word, activations, firstInt + 3L * intsPerRow);
        }
        sum0 = default(TSum).TeamSum(sum0);
        sum1 = default(TSum).TeamSum(sum1);
        sum2 = default(TSum).TeamSum(sum2);
        sum3 = default(TSum).TeamSum(sum3);
        if (TeamLane() != 0 || row >= rows) return;
        StoreTokenRow(output, activationScales, firstToken, row, rows, sum0);
        if (tileTokens > 1) StoreTokenRow(output, activationScales, firstToken + 1, row, rows, sum1);
        if (tileTokens > 2) StoreTokenRow(output, activationScales, firstToken + 2, row, rows, sum2);
        if (tileTokens > 3) StoreTokenRow(output, activationScales, firstToken + 3, row, rows, sum3);
    }

    static void StoreTokenRow(ArrayView<float> output, ArrayView<float> activationScales, int token, int row, int rows, float sum) =>
        output[(long)token * rows + row] = sum / activationScales[token];
}
