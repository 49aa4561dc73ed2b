using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_b blockScale[r, b] · Σ_{j∈b} w[r, j] · q[t, j] / activationScale[t]     (one team of threads per row r)
    /// <summary>
    /// Ternary matrix × one token. Grid (ceil(rows / RowsPerGroup), tokens), groups of GroupSize threads; the RowTeam
    /// threads of a row read consecutive 16-byte weight vectors (coalesced) and sum their integer dot products
    /// (TernaryRow). Σx per chunk comes precomputed with the activations.
    /// </summary>
    public static void TernaryMatVec<TDot, TSum>(
        ArrayView<Int4> weights,            // rows × vectorsPerRow, 4 words (64 codes) per vector
        ArrayView<float> blockScales,       // rows × blocksPerRow
        ArrayView<Int4> activations,        // tokens × wordsPerRow, the 16 int8 activations of one word per element
        ArrayView<int> activationSums,      // tokens × chunksPerRow: Σ q over each chunk of 128 columns
        ArrayView<float> activationScales,  // tokens
        ArrayView<float> output,            // tokens × rows
        int rows, int vectorsPerRow, int blockShift)   // vector v of a row has scale block v >> blockShift
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        MatVecRow<TDot, TSum>(weights, blockScales, activations, activationSums, activationScales, output, rows, TeamRow(), vectorsPerRow, blockShift);
    }

    /// <summary>One row team's row of <see cref="TernaryMatVec"/> (row may be past the last: the team then only takes
    /// part in the reduction). Every thread of the group calls it.</summary>
    static void MatVecRow<TDot, TSum>(
        ArrayView<Int4> weights, ArrayView<float> blockScales, ArrayView<Int4> activations, ArrayView<int> activationSums,
        ArrayView<float> activationScales, ArrayView<float> output, int rows, int row, int vectorsPerRow, int blockShift)
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        int token = Grid.IdxY;
        int vectors = row < rows ? vectorsPerRow : 0;   // no early return: every thread reaches the reduction's barriers
        int blocksPerRow = BlocksPerRow(vectorsPerRow, blockShift);
        int wordsPerRow = vectorsPerRow * TernaryLayout.WordsPerVector, chunksPerRow = vectorsPerRow / TernaryLayout.VectorsPerChunk;
        int safeRow = IntrinsicMath.Min(row, rows - 1);   // a team past the last row reads row rows−1's views but no element

        float sum = TernaryRow.ThreadSum<TDot>(
            weights.SubView((long)safeRow * vectorsPerRow, vectorsPerRow),
            blockScales.SubView((long)safeRow * blocksPerRow, blocksPerRow),
            activations.SubView((long)token * wordsPerRow, wordsPerRow),
            activationSums.SubView((long)token * chunksPerRow, chunksPerRow),
            TeamLane(), vectors, blockShift);
        sum = default(TSum).TeamSum(sum);
        if (TeamLane() == 0 && row < rows)
            output[(long)token * rows + row] = sum / activationScales[token];
    }

    /// <summary>The row a team of RowTeam threads works on: teams are numbered across the groups of grid dimension X.</summary>
    static int TeamRow() => Grid.IdxX * KernelShapes.RowsPerGroup + Group.IdxX / KernelShapes.RowTeam;

    /// <summary>A thread's place in its row team.</summary>
    static int TeamLane() => Group.IdxX % KernelShapes.RowTeam;

    /// <summary>Scale blocks per row: the block of the last vector, plus one.</summary>
    static int BlocksPerRow(int vectorsPerRow, int blockShift) => ((vectorsPerRow - 1) >> blockShift) + 1;
}
