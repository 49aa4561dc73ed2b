using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_c w[r, c] · x[t, c]      (one team of threads per row r)
    /// <summary>Dense (F16 or F32) matrix × tokens, for the output projection. Grid (ceil(rows / RowsPerGroup), tokens).</summary>
    public static void DenseMatVec<TWeights, TSum>(
        TWeights weights,                   // rows × cols
        ArrayView<float> x,                 // tokens × cols
        ArrayView<float> output,            // tokens × rows
        int rows, int cols)
        where TWeights : struct, IDenseWeights
        where TSum : struct, ITeamReduction
    {
        int row = TeamRow();
        int token = Grid.IdxY;
        int columns = row < rows ? cols : 0;   // no early return: every thread reaches the reduction's barriers

        long rowStart = (long)row * cols, inputStart = (long)token * cols;
        float sum = 0f;
        for (int c = TeamLane(); c < columns; c += KernelShapes.RowTeam)
            sum += weights.Get(rowStart + c) * x[inputStart + c];
        sum = default(TSum).TeamSum(sum);
        if (TeamLane() == 0 && row < rows)
            output[(long)token * rows + row] = sum;
    }
}
