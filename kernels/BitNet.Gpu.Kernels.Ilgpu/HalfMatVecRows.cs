using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // y[t, r] = Σ_c w[r, c] · x[t, c]  for each listed row r = rowList[i], i < count      (one team per listed row)
    /// <summary>
    /// <see cref="HalfMatVec"/> for chosen rows of one token (the candidates of the top-k screen), summed exactly as
    /// HalfMatVec sums them, so a listed row gets the same float. Grid ceil(count / RowsPerGroup).
    /// </summary>
    public static void HalfMatVecRows<THalf, TSum>(
        ArrayView<EightHalves> weights,     // rows × chunksPerRow
        ArrayView<FourFloats> x,            // tokens × 2·chunksPerRow
        ArrayView<int> rowList,             // count row indices
        ArrayView<float> output,            // tokens × rows; only the listed rows of the token are written
        int count, int rows, int chunksPerRow, int token)
        where THalf : struct, IHalfConversion
        where TSum : struct, ITeamReduction
    {
        int i = TeamRow();
        int row = i < count ? rowList[i] : 0;
        int chunks = i < count ? chunksPerRow : 0;   // no early return: every thread reaches the reduction's barriers

        float sum = default(TSum).TeamSum(HalfRowPart<THalf>(weights, x, (long)row * chunksPerRow, (long)token * chunksPerRow * 2, chunks));
        if (TeamLane() == 0 && i < count)
            output[(long)token * rows + row] = sum;
    }
}
