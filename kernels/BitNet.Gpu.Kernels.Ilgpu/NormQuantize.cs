using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // x[t] += residual[t];  h[t, c] = x[t, c] / sqrt(mean_c(x[t, c]²) + eps) · weight[c];  q[t] = QuantizeActivations(h[t])
    /// <summary>
    /// The residual add, RMS norm and int8 quantization that start each half of a layer, in one launch: the same
    /// arithmetic as <see cref="ResidualAdd"/>, <see cref="RmsNorm"/> and <see cref="QuantizeActivations"/> in turn, so the
    /// results are bit for bit those of the three kernels. Grid: one group per token row.
    /// </summary>
    public static void AddNormQuantize(
        ArrayView<float> x,                 // tokens × cols, the residual stream (updated when addResidual)
        ArrayView<float> residual,          // tokens × cols, added to x when addResidual (may be normed)
        ArrayView<float> weight,            // cols
        ArrayView<float> normed,            // tokens × cols: h
        ArrayView<int> quantized,           // tokens × intsPerRow, as QuantizeActivations
        ArrayView<int> sums,                // tokens × intsPerRow/32
        ArrayView<float> scales,            // tokens
        int cols, int intsPerRow, int addResidual, float epsilon)
    {
        int token = Grid.IdxX;
        long rowStart = (long)token * cols;
        float sumOfSquares = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            float v = x[rowStart + c];
            if (addResidual != 0)
            {
                v += residual[rowStart + c];   // read before this thread writes normed[c], so normed may be residual
                x[rowStart + c] = v;
            }
            sumOfSquares += v * v;
        }
        NormalizeRow(x, normed, rowStart, cols, sumOfSquares, weight, epsilon);
        QuantizeRow(normed, token, quantized, sums, scales, cols, intsPerRow);   // its barriers publish h to the whole group
    }

    // g[t, c] = act(gate[t, c]) · up[t, c];  h[t] = normalize ? RmsNorm(g[t]) · weight : g[t];  q[t] = QuantizeActivations(h[t])
    /// <summary>
    /// The feed-forward's gate activation, its sub-norm (when the model has one) and the int8 quantization of the down
    /// projection's input, in one launch, with the arithmetic of <see cref="GateActivation"/>, <see cref="RmsNorm"/> and
    /// <see cref="QuantizeActivations"/>. h is written over gate. Grid: one group per token row.
    /// </summary>
    public static void GateNormQuantize(
        ArrayView<float> gate,              // tokens × cols, replaced by h
        ArrayView<float> up,                // tokens × cols
        ArrayView<float> weight,            // cols (read when normalize)
        ArrayView<int> quantized,           // tokens × intsPerRow, as QuantizeActivations
        ArrayView<int> sums,                // tokens × intsPerRow/32
        ArrayView<float> scales,            // tokens
        int cols, int intsPerRow, int activation, int normalize, float epsilon)
    {
        int token = Grid.IdxX;
        long rowStart = (long)token * cols;
        float sumOfSquares = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            float g = Activate(gate[rowStart + c], activation) * up[rowStart + c];
            gate[rowStart + c] = g;
            sumOfSquares += g * g;
        }
        if (normalize != 0)   // a launch parameter: every thread takes the same branch, so the barriers inside are safe
            NormalizeRow(gate, gate, rowStart, cols, sumOfSquares, weight, epsilon);
        QuantizeRow(gate, token, quantized, sums, scales, cols, intsPerRow);
    }

    // a[t, h·headDim + d] = AttentionCombine(partials)[t, h, d];  h[t] = normalize ? RmsNorm(a[t]) · weight : a[t];  q[t] = QuantizeActivations(h[t])
    /// <summary>
    /// The end of attention: the merge of the per-split partials, the attention sub-norm (when the model has one) and
    /// the int8 quantization of the output projection's input, in one launch, with the arithmetic of
    /// <see cref="AttentionCombine"/>, <see cref="RmsNorm"/> and <see cref="QuantizeActivations"/>. Grid: one group per token.
    /// </summary>
    public static void AttentionCombineNormQuantize(
        ArrayView<float> partialOutput,     // tokens × heads × splits × headDim
        ArrayView<float> partialMax,        // tokens × heads × splits
        ArrayView<float> partialSum,        // tokens × heads × splits
        ArrayView<float> output,            // tokens × heads·headDim: h
        ArrayView<float> weight,            // heads·headDim (read when normalize)
        ArrayView<int> quantized,           // tokens × intsPerRow, as QuantizeActivations
        ArrayView<int> sums,                // tokens × intsPerRow/32
        ArrayView<float> scales,            // tokens
        int heads, int headDim, int splits, int intsPerRow, int normalize, float epsilon)
    {
        int token = Grid.IdxX, cols = heads * headDim;
        long rowStart = (long)token * cols;
        float sumOfSquares = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
        {
            float a = CombinedValue(partialOutput, partialMax, partialSum, (long)token * heads + c / headDim, c % headDim, headDim, splits);
            output[rowStart + c] = a;
            sumOfSquares += a * a;
        }
        if (normalize != 0)   // a launch parameter: every thread takes the same branch
            NormalizeRow(output, output, rowStart, cols, sumOfSquares, weight, epsilon);
        QuantizeRow(output, token, quantized, sums, scales, cols, intsPerRow);
    }

    // y[c] = x[c] / sqrt(Σ_threads sumOfSquares / cols + eps) · weight[c]   over the columns this thread read (y may be x)
    /// <summary>The second half of <see cref="RmsNorm"/> on a row whose thread-local sums of squares are known; every
    /// thread of the group calls it. Each thread rewrites only the elements it read, after the reduction: safe in place.</summary>
    static void NormalizeRow(ArrayView<float> x, ArrayView<float> y, long rowStart, int cols, float sumOfSquares, ArrayView<float> weight,
                             float epsilon)
    {
        float inverseRms = 1f / XMath.Sqrt(Reductions.GroupSum(sumOfSquares) / cols + epsilon);
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
            y[rowStart + c] = x[rowStart + c] * inverseRms * weight[c];
    }
}
