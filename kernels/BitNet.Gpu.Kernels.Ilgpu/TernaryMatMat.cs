using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_b blockScale[r, b] · Σ_{j∈b} w[r, j] · q[t, j] / activationScale[t]   for a tile of 4 tokens
    /// <summary>
    /// Ternary matrix × a prompt batch: each 16-byte weight vector is read once for a tile of four tokens (TernaryTile;
    /// a tile past the last token repeats the last token's activations and does not store them).
    /// Grid (ceil(rows / RowsPerGroup), ceil(tokens / 4)), groups of GroupSize threads, one team of RowTeam threads per row.
    /// </summary>
    public static void TernaryMatMat<TDot, TSum>(
        ArrayView<Int4> weights,            // rows × vectorsPerRow, 4 words (64 codes) per vector
        ArrayView<float> blockScales,       // rows × blocksPerRow
        ArrayView<Int4> activations,        // tokens × wordsPerRow, the 16 int8 activations of one word per element
        ArrayView<int> activationSums,      // tokens × chunksPerRow: Σ q over each chunk of 128 columns
        ArrayView<float> activationScales,  // tokens
        ArrayView<float> output,            // tokens × rows
        int rows, int tokens, int vectorsPerRow, int blockShift)   // vector v of a row has scale block v >> blockShift
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        MatMatRow<TDot, TSum>(weights, blockScales, activations, activationSums, activationScales, output, rows, TeamRow(), tokens, vectorsPerRow, blockShift);
    }

    /// <summary>One row team's row of <see cref="TernaryMatMat"/> for the group's tile of tokens (row may be past the
    /// last: the team then only takes part in the reductions). Every thread of the group calls it.</summary>
    static void MatMatRow<TDot, TSum>(
        ArrayView<Int4> weights, ArrayView<float> blockScales, ArrayView<Int4> activations, ArrayView<int> activationSums,
        ArrayView<float> activationScales, ArrayView<float> output, int rows, int row, int tokens, int vectorsPerRow, int blockShift)
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        int firstToken = Grid.IdxY * KernelShapes.TokensPerTile;
        int vectors = row < rows ? vectorsPerRow : 0;   // no early return: every thread reaches the reduction's barriers
        int blocksPerRow = BlocksPerRow(vectorsPerRow, blockShift);
        int safeRow = IntrinsicMath.Min(row, rows - 1);   // a team past the last row reads row rows−1's views but no element

        var tile = new TokenTile();
        int wordsPerRow = vectorsPerRow * TernaryLayout.WordsPerVector, chunksPerRow = vectorsPerRow / TernaryLayout.VectorsPerChunk;
        tile.Activations0 = activations.SubView(TileToken(firstToken, 0, tokens) * (long)wordsPerRow, wordsPerRow);
        tile.Activations1 = activations.SubView(TileToken(firstToken, 1, tokens) * (long)wordsPerRow, wordsPerRow);
        tile.Activations2 = activations.SubView(TileToken(firstToken, 2, tokens) * (long)wordsPerRow, wordsPerRow);
        tile.Activations3 = activations.SubView(TileToken(firstToken, 3, tokens) * (long)wordsPerRow, wordsPerRow);
        tile.Sums0 = activationSums.SubView(TileToken(firstToken, 0, tokens) * (long)chunksPerRow, chunksPerRow);
        tile.Sums1 = activationSums.SubView(TileToken(firstToken, 1, tokens) * (long)chunksPerRow, chunksPerRow);
        tile.Sums2 = activationSums.SubView(TileToken(firstToken, 2, tokens) * (long)chunksPerRow, chunksPerRow);
        tile.Sums3 = activationSums.SubView(TileToken(firstToken, 3, tokens) * (long)chunksPerRow, chunksPerRow);
        var sums = TernaryTile.ThreadSums<TDot>(
            weights.SubView((long)safeRow * vectorsPerRow, vectorsPerRow),
            blockScales.SubView((long)safeRow * blocksPerRow, blocksPerRow),
            tile, TeamLane(), vectors, blockShift);

        float total0 = default(TSum).TeamSum(sums.Token0);
        float total1 = default(TSum).TeamSum(sums.Token1);
        float total2 = default(TSum).TeamSum(sums.Token2);
        float total3 = default(TSum).TeamSum(sums.Token3);
        if (TeamLane() != 0 || row >= rows) return;
        int tileTokens = IntrinsicMath.Min(KernelShapes.TokensPerTile, tokens - firstToken);
        StoreTokenRow(output, activationScales, firstToken, row, rows, total0);
        if (tileTokens > 1) StoreTokenRow(output, activationScales, firstToken + 1, row, rows, total1);
        if (tileTokens > 2) StoreTokenRow(output, activationScales, firstToken + 2, row, rows, total2);
        if (tileTokens > 3) StoreTokenRow(output, activationScales, firstToken + 3, row, rows, total3);
    }

    /// <summary>Token i of the tile starting at firstToken, or the last token where the tile runs past it.</summary>
    static int TileToken(int firstToken, int i, int tokens) => IntrinsicMath.Min(firstToken + i, tokens - 1);

    static void StoreTokenRow(ArrayView<float> output, ArrayView<float> activationScales, int token, int row, int rows, float sum) =>
        output[(long)token * rows + row] = sum / activationScales[token];
}
