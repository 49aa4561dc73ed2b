using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

// The top-k screen of an F16 output layer with its int8 copy (Q8Layout): an estimate e[t, r] of every
// logit and a bound b[t, r] with |e − y| ≤ b, where y is what GpuKernels.HalfMatVec computes. With
// x = xs·q + δ and w = ws·c + ε (|ε| ≤ 0.5001·ws, |w| ≤ 127.01·ws), w·x − (ws·c)(xs·q) = w·δ + ε·(xs·q), so per
// chunk of sixteen columns |w·x − e| ≤ ws·(127.01·D + 0.5001·(A + D)) with A = Σ|x|, D = Σ|δ|; the float rounding of
// e, of y and of D adds at most 2γ·127.01·ws·(2A + D) together (γ = nu/(1 − nu), n = cols + 3, u = 2⁻²⁴), and the
// factor 1.001 covers the rounding of the bound's own sums. The host computes γ (the engine's TopRowScreen.Gamma).
public static partial class GpuKernels
{
    // slack[t, c] = 1.001 · (127.01·D + 0.5001·(A + D) + 2γ·127.01·(2A + D)),  A = Σ_j |x[16c + j]|, D = Σ_j |x − xs·q|
    /// <summary>Per chunk of sixteen input values, what the screen's bound multiplies by the weights' block scale. index = chunk.</summary>
    public static void InputSlack(
        Index1D chunk,
        FloatWeights x,                     // chunks × 16
        ArrayView<int> codes,               // the input's Q8Layout codes, four per int
        ArrayView<float> scales,            // one per block of 32
        ArrayView<float> slack,             // chunks
        float gamma)
    {
        long first = (long)chunk.X * SixteenCodes.Count;
        float inputScale = scales[chunk.X / 2];
        float absolute = 0f, rounding = 0f;
        for (int j = 0; j < SixteenCodes.Count; j++)
        {
            long i = first + j;
            float value = x.Get(i);
            int code = (sbyte)(codes[i / TernaryLayout.ValuesPerInt] >> (8 * (int)(i % TernaryLayout.ValuesPerInt)));
            absolute += IntrinsicMath.Abs(value);
            rounding += IntrinsicMath.Abs(value - inputScale * code);
        }
        slack[chunk.X] = 1.001f * (127.01f * rounding + 0.5001f * (absolute + rounding) + 2f * gamma * 127.01f * (2f * absolute + rounding)) + 1e-30f;
    }

    // e[t, r] = Σ_c (ws·xs)·Σ_j w8·x8 ;  b[t, r] = Σ_c ws[r, c/2] · slack[t, c]      (one team of threads per row r)
    /// <summary>The screen's estimates and bounds of every row and token. Grid (ceil(rows / RowsPerGroup), tokens).</summary>
    public static void Q8Screen<TDot, TSum>(
        ArrayView<SixteenCodes> weights,    // rows × chunksPerRow
        ArrayView<float> weightScales,      // rows × chunksPerRow / 2
        ArrayView<SixteenCodes> x,          // tokens × chunksPerRow
        ArrayView<float> inputScales,       // tokens × chunksPerRow / 2
        ArrayView<float> inputSlack,        // tokens × chunksPerRow
        ArrayView<float> estimates,         // tokens × rows
        ArrayView<float> bounds,            // tokens × rows
        int rows, int chunksPerRow)
        where TDot : struct, IDotProduct16
        where TSum : struct, ITeamReduction
    {
        int row = TeamRow();
        int token = Grid.IdxY;
        int chunks = row < rows ? chunksPerRow : 0;   // no early return: every thread reaches the reduction's barriers

        long rowStart = (long)row * chunksPerRow, inputStart = (long)token * chunksPerRow;
        float estimate = 0f, bound = 0f;
        for (int c = TeamLane(); c < chunks; c += KernelShapes.RowTeam)
        {
            estimate += ChunkProduct<TDot>(weights, weightScales, x, inputScales, rowStart, inputStart, c);
            bound += weightScales[rowStart / 2 + (c >> 1)] * inputSlack[inputStart + c];
        }
        estimate = default(TSum).TeamSum(estimate);
        bound = default(TSum).TeamSum(bound);
        if (TeamLane() == 0 && row < rows)
        {
            estimates[(long)token * rows + row] = estimate;
            bounds[(long)token * rows + row] = bound;
        }
    }
}
