using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    /// <summary>Chunks of eight weights a lane loads before it multiplies, so several 16-byte loads are in flight.</summary>
    public const int HalfChunksInFlight = 2;

    // y[t, r] = Σ_c w[r, c] · x[t, c]      (one team of threads per row r; eight columns per 16-byte load)
    /// <summary>
    /// F16 matrix × tokens, for the output projection, when cols is a multiple of eight. Grid (ceil(rows / RowsPerGroup),
    /// tokens); lane l of a row's team reads chunks l, l + RowTeam, ... of eight weights (coalesced 16-byte loads),
    /// <see cref="HalfChunksInFlight"/> chunks per step.
    /// </summary>
    public static void HalfMatVec<THalf, TSum>(
        ArrayView<EightHalves> weights,     // rows × chunksPerRow
        ArrayView<FourFloats> x,            // tokens × 2·chunksPerRow
        ArrayView<float> output,            // tokens × rows
        int rows, int chunksPerRow)
        where THalf : struct, IHalfConversion
        where TSum : struct, ITeamReduction
    {
        int row = TeamRow();
        int token = Grid.IdxY;
        int chunks = row < rows ? chunksPerRow : 0;   // no early return: every thread reaches the reduction's barriers

        float sum = default(TSum).TeamSum(HalfRowPart<THalf>(weights, x, (long)row * chunksPerRow, (long)token * chunksPerRow * 2, chunks));
        if (TeamLane() == 0 && row < rows)
            output[(long)token * rows + row] = sum;
    }

    // Σ over this lane's chunks c of Σ_j w[row, 8c + j] · x[t, 8c + j]: chunks lane, lane + RowTeam, ..., two per step
    static float HalfRowPart<THalf>(ArrayView<EightHalves> weights, ArrayView<FourFloats> x, long rowStart, long inputStart, int chunks)
        where THalf : struct, IHalfConversion
    {
        const int step = KernelShapes.RowTeam * HalfChunksInFlight;
        float first = 0f, second = 0f;
        int c = TeamLane();
        for (; c + KernelShapes.RowTeam < chunks; c += step)
        {
            var near = weights[rowStart + c];
            var far = weights[rowStart + c + KernelShapes.RowTeam];
            first += Dot8<THalf>(near, x[inputStart + 2 * c], x[inputStart + 2 * c + 1]);
            second += Dot8<THalf>(far, x[inputStart + 2 * (c + KernelShapes.RowTeam)], x[inputStart + 2 * (c + KernelShapes.RowTeam) + 1]);
        }
        if (c < chunks)   // an odd chunk count leaves one per lane
            first += Dot8<THalf>(weights[rowStart + c], x[inputStart + 2 * c], x[inputStart + 2 * c + 1]);
        return first + second;
    }

    // Σ_j w[j] · x[j] over eight columns
    static float Dot8<THalf>(EightHalves w, FourFloats low, FourFloats high) where THalf : struct, IHalfConversion
    {
        var half = default(THalf);
        return half.Low(w.Pair0) * low.X + half.High(w.Pair0) * low.Y + half.Low(w.Pair1) * low.Z + half.High(w.Pair1) * low.W
             + half.Low(w.Pair2) * high.X + half.High(w.Pair2) * high.Y + half.Low(w.Pair3) * high.Z + half.High(w.Pair3) * high.W;
    }
}

