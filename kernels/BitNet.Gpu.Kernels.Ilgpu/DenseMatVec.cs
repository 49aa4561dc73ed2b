using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_c w[r, c] · x[t, c]      (one warp per row r)
    /// <summary>Dense (F16 or F32) matrix × tokens, for the output projection. Grid (ceil(rows / warpsPerGroup), tokens).</summary>
    public static void DenseMatVec<TWeights>(
        TWeights weights,                   // rows × cols
        ArrayView<float> x,                 // tokens × cols
        ArrayView<float> output,            // tokens × rows
        int rows, int cols)
        where TWeights : struct, IDenseWeights
    {
        int row = WarpRow();
        int token = Grid.IdxY;
        if (row >= rows) return;

        long rowStart = (long)row * cols, inputStart = (long)token * cols;
        float sum = 0f;
        for (int c = Warp.LaneIdx; c < cols; c += Warp.WarpSize)
            sum += weights.Get(rowStart + c) * x[inputStart + c];
        sum = Reductions.WarpSum(sum);
        if (Warp.LaneIdx == 0)
            output[(long)token * rows + row] = sum;
    }
}
