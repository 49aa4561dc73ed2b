using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    /// <summary>Chunks of sixteen codes a lane loads before it multiplies, so several 16-byte loads are in flight.</summary>
    public const int CodeChunksInFlight = 2;

    // y[t, r] = Σ_b (ws[r, b] · xs[t, b]) · Σ_j w[r, 32b + j] · q[t, 32b + j]      (one team of threads per row r)
    /// <summary>
    /// Int8 matrix (<see cref="Q8Layout"/> blocks) × int8-quantized tokens: the int8 output layer. Grid
    /// (ceil(rows / RowsPerGroup), tokens); lane l of a row's team reads chunks l, l + RowTeam, ... of sixteen codes (half
    /// a block; coalesced 16-byte loads), <see cref="CodeChunksInFlight"/> per step, and sums each chunk's integer dot
    /// product times its block's two scales.
    /// </summary>
    public static void Q8MatVec<TDot, TSum>(
        ArrayView<SixteenCodes> weights,    // rows × chunksPerRow
        ArrayView<float> weightScales,      // rows × chunksPerRow / 2
        ArrayView<SixteenCodes> x,          // tokens × chunksPerRow
        ArrayView<float> inputScales,       // tokens × chunksPerRow / 2
        ArrayView<float> output,            // tokens × rows
        int rows, int chunksPerRow)
        where TDot : struct, IDotProduct16
        where TSum : struct, ITeamReduction
    {
        int row = TeamRow();
        int token = Grid.IdxY;
        int chunks = row < rows ? chunksPerRow : 0;   // no early return: every thread reaches the reduction's barriers

        long rowStart = (long)row * chunksPerRow, inputStart = (long)token * chunksPerRow;
        const int step = KernelShapes.RowTeam * CodeChunksInFlight;
        float first = 0f, second = 0f;
        int c = TeamLane();
        for (; c + KernelShapes.RowTeam < chunks; c += step)
        {
            int far = c + KernelShapes.RowTeam;
            first += ChunkProduct<TDot>(weights, weightScales, x, inputScales, rowStart, inputStart, c);
            second += ChunkProduct<TDot>(weights, weightScales, x, inputScales, rowStart, inputStart, far);
        }
        if (c < chunks)   // an odd chunk count leaves one per lane
            first += ChunkProduct<TDot>(weights, weightScales, x, inputScales, rowStart, inputStart, c);

        float sum = default(TSum).TeamSum(first + second);
        if (TeamLane() == 0 && row < rows)
            output[(long)token * rows + row] = sum;
    }

    // (ws[b] · xs[b]) · Σ_j w[16c + j] · q[16c + j]  with b = c / 2, the block chunk c lies in
    static float ChunkProduct<TDot>(ArrayView<SixteenCodes> weights, ArrayView<float> weightScales, ArrayView<SixteenCodes> x,
        ArrayView<float> inputScales, long rowStart, long inputStart, int chunk) where TDot : struct, IDotProduct16
    {
        int sum = default(TDot).Dot16(weights[rowStart + chunk], x[inputStart + chunk]);
        int block = chunk >> 1;
        return weightScales[rowStart / 2 + block] * inputScales[inputStart / 2 + block] * sum;
    }
}
