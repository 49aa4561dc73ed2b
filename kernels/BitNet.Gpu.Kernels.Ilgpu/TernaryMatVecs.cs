using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>One ternary matrix of a stacked launch and where its products go.</summary>
public struct TernaryProduct(ArrayView<Int4> weights, ArrayView<float> blockScales, ArrayView<float> output, int rows)
{
    public ArrayView<Int4> Weights = weights;           // rows × vectorsPerRow
    public ArrayView<float> BlockScales = blockScales;  // rows × blocksPerRow
    public ArrayView<float> Output = output;            // tokens × rows
    public int Rows = rows;
}

public static partial class GpuKernels
{
    // y_m[t, r] = TernaryMatVec(w_m, q)[t, r]  for the matrices m = first, second, third sharing one input q
    /// <summary>
    /// <see cref="TernaryMatVec"/> of up to three matrices with the same columns (q/k/v, gate/up) in one launch: the
    /// first firstGroups groups of grid dimension X work on the first matrix, the next secondGroups on the second, the
    /// rest on the third (none for two matrices). Grid (Σ ceil(rows_m / RowsPerGroup), tokens).
    /// </summary>
    public static void TernaryMatVecs<TDot, TSum>(
        TernaryProduct first, TernaryProduct second, TernaryProduct third,
        ArrayView<Int4> activations,        // tokens × wordsPerRow
        ArrayView<int> activationSums,      // tokens × chunksPerRow
        ArrayView<float> activationScales,  // tokens
        int firstGroups, int secondGroups, int vectorsPerRow, int blockShift)
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        var matrix = StackedMatrix(first, second, third, firstGroups, secondGroups, out int row);
        MatVecRow<TDot, TSum>(matrix.Weights, matrix.BlockScales, activations, activationSums, activationScales, matrix.Output,
            matrix.Rows, row, vectorsPerRow, blockShift);
    }

    // y_m[t, r] = TernaryMatMat(w_m, q)[t, r]  for the matrices m = first, second, third sharing one input q
    /// <summary><see cref="TernaryMatMat"/> of up to three matrices with the same columns in one launch, the groups of grid
    /// dimension X split between them as in <see cref="TernaryMatVecs"/>. Grid (Σ ceil(rows_m / RowsPerGroup), ceil(tokens / 4)).</summary>
    public static void TernaryMatMats<TDot, TSum>(
        TernaryProduct first, TernaryProduct second, TernaryProduct third,
        ArrayView<Int4> activations,        // tokens × wordsPerRow
        ArrayView<int> activationSums,      // tokens × chunksPerRow
        ArrayView<float> activationScales,  // tokens
        int firstGroups, int secondGroups, int tokens, int vectorsPerRow, int blockShift)
        where TDot : struct, IDotProduct4
        where TSum : struct, ITeamReduction
    {
        var matrix = StackedMatrix(first, second, third, firstGroups, secondGroups, out int row);
        MatMatRow<TDot, TSum>(matrix.Weights, matrix.BlockScales, activations, activationSums, activationScales, matrix.Output,
            matrix.Rows, row, tokens, vectorsPerRow, blockShift);
    }

    /// <summary>The matrix of a stacked launch this group works on, and the row of its team in that matrix.</summary>
    static TernaryProduct StackedMatrix(TernaryProduct first, TernaryProduct second, TernaryProduct third, int firstGroups, int secondGroups, out int row)
    {
        int group = Grid.IdxX;
        var matrix = first;
        if (group >= firstGroups + secondGroups)
        {
            matrix = third;
            group -= firstGroups + secondGroups;
        }
        else if (group >= firstGroups)
        {
            matrix = second;
            group -= firstGroups;
        }
        row = group * KernelShapes.RowsPerGroup + Group.IdxX / KernelShapes.RowTeam;
        return matrix;
    }
}
