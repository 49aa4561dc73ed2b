using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    // q[t, c] = clamp(roundHalfEven(x[t, c] · s), −128, 127) with s = 127 / max(max_c |x[t, c]|, 1e-5), packed 4 per int
    /// <summary>bitnet.cpp's per-token int8 activation quantization, in float32. Grid: one group per token row.</summary>
    public static void QuantizeActivations(
        ArrayView<float> x,                 // tokens × cols
        ArrayView<int> quantized,           // tokens × intsPerRow (int8 packed 4 per int, zero past cols)
        ArrayView<int> sums,                // tokens × intsPerRow/32: Σ q over each chunk of 32 ints (the ternary products' code offset)
        ArrayView<float> scales,            // tokens: s, which the matrix product divides by
        int cols, int intsPerRow)
    {
        QuantizeRow(x, Grid.IdxX, quantized, sums, scales, cols, intsPerRow);
    }

    /// <summary>Quantizes row <paramref name="token"/> of x as <see cref="QuantizeActivations"/> does; every thread of the
    /// group calls it (it reduces across the group). Shared by the kernels that produce a row and quantize it in one launch.</summary>
    static void QuantizeRow(ArrayView<float> x, int token, ArrayView<int> quantized, ArrayView<int> sums, ArrayView<float> scales,
                            int cols, int intsPerRow)
    {
        long rowStart = (long)token * cols;
        float localMax = 0f;
        for (int c = Group.IdxX; c < cols; c += Group.DimX)
            localMax = IntrinsicMath.Max(localMax, IntrinsicMath.Abs(x[rowStart + c]));
        float scale = 127f / IntrinsicMath.Max(Reductions.GroupMax(localMax), 1e-5f);

        int chunks = intsPerRow / TernaryLayout.IntsPerChunk;
        for (int first = 0; first < intsPerRow; first += Group.DimX)   // the same steps in every thread: TeamSum has barriers
        {
            int i = first + Group.IdxX;
            int packed = 0, valueSum = 0;
            for (int k = 0; k < TernaryLayout.ValuesPerInt && i < intsPerRow; k++)
            {
                int c = i * TernaryLayout.ValuesPerInt + k;
                int q = c < cols ? QuantizeOne(x[rowStart + c], scale) : 0;
                packed |= (q & 0xFF) << (8 * k);
                valueSum += q;
            }
            if (i < intsPerRow) quantized[(long)token * intsPerRow + i] = packed;
            float chunkSum = Reductions.TeamSum(valueSum);   // a row team of 32 threads is one chunk of 32 ints (exact in float)
            if (i < intsPerRow && i % TernaryLayout.IntsPerChunk == 0) sums[(long)token * chunks + i / TernaryLayout.IntsPerChunk] = (int)chunkSum;
        }
        if (Group.IdxX == 0) scales[token] = scale;
    }

    static int QuantizeOne(float value, float scale) =>
        (int)IntrinsicMath.Clamp(RoundHalfToEven(value * scale), -128f, 127f);

    /// <summary>Round to nearest, ties to even (MathF.Round's default), written out so every backend agrees.</summary>
    static float RoundHalfToEven(float v)
    {
        float floor = XMath.Floor(v);
        float fraction = v - floor;
        if (fraction > 0.5f) return floor + 1f;
        if (fraction < 0.5f) return floor;
        return ((int)floor & 1) == 0 ? floor : floor + 1f;
    }
}
