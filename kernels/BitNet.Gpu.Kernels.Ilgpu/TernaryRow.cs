using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

// Σ_b scale[r, b] · (Σ_{j∈b} code_j · x_j − Σ_{j∈b} x_j)  =  Σ_b scale[r, b] · Σ_{j∈b} w[r, j] · x_j     (code = w + 1)
/// <summary>
/// One thread's share of a ternary row times one token: the thread takes weight vectors lane, lane + RowTeam, …
/// (two 16-byte loads in flight per step) and chunks lane, lane + RowTeam, … of the precomputed activation sums.
/// A row with one scale stays integer to the end; a row with scale blocks scales each vector by its block's scale.
/// </summary>
static class TernaryRow
{
    /// <summary>The block shift of a row with one scale (TernaryLayout.BlockShift).</summary>
    const int OneBlock = 31;
    const int Step = KernelShapes.RowTeam;

    /// <param name="rowWeights">the row's vectors (4 words each)</param>
    /// <param name="rowScales">the row's block scales</param>
    /// <param name="tokenActivations">the token's activations, one word's 16 per element</param>
    /// <param name="tokenSums">the token's activation sums, one per chunk of 128 columns</param>
    /// <param name="vectors">vectors in the row (0 for a thread whose team has no row)</param>
    /// <param name="blockShift">vector v has scale block v &gt;&gt; blockShift</param>
    public static float ThreadSum<TDot>(ArrayView<Int4> rowWeights, ArrayView<float> rowScales, ArrayView<Int4> tokenActivations,
                                        ArrayView<int> tokenSums, int lane, int vectors, int blockShift)
        where TDot : struct, IDotProduct4
    {
        if (vectors == 0) return 0f;
        return blockShift == OneBlock
            ? rowScales[0] * ThreadDot<TDot>(rowWeights, tokenActivations, tokenSums, lane, vectors)
            : ThreadBlockScaledDot<TDot>(rowWeights, rowScales, tokenActivations, tokenSums, lane, vectors, blockShift);
    }

    // Σ_{j ∈ thread} code_j · x_j − Σ_{c ∈ thread} Σx_c, in integers
    static int ThreadDot<TDot>(ArrayView<Int4> rowWeights, ArrayView<Int4> tokenActivations, ArrayView<int> tokenSums, int lane, int vectors)
        where TDot : struct, IDotProduct4
    {
        Int4 dots = default;
        int v = lane;
        for (; v + Step < vectors; v += 2 * Step)
        {
            Int4 first = rowWeights[v], second = rowWeights[v + Step];
            dots = TernaryWord.AddVector<TDot>(dots, first, tokenActivations, WordOf(v));
            dots = TernaryWord.AddVector<TDot>(dots, second, tokenActivations, WordOf(v + Step));
        }
        if (v < vectors) dots = TernaryWord.AddVector<TDot>(dots, rowWeights[v], tokenActivations, WordOf(v));

        int dot = TernaryWord.Total(dots);
        for (int c = lane; c < vectors / TernaryLayout.VectorsPerChunk; c += Step)
            dot -= tokenSums[c];
        return dot;
    }

    // Σ_{v ∈ thread} scale[v >> blockShift] · Σ_{j ∈ v} code_j · x_j − Σ_{c ∈ thread} scale[2c >> blockShift] · Σx_c
    static float ThreadBlockScaledDot<TDot>(ArrayView<Int4> rowWeights, ArrayView<float> rowScales, ArrayView<Int4> tokenActivations,
                                            ArrayView<int> tokenSums, int lane, int vectors, int blockShift)
        where TDot : struct, IDotProduct4
    {
        float sum = 0f;
        int v = lane;
        for (; v + Step < vectors; v += 2 * Step)
        {
            Int4 first = rowWeights[v], second = rowWeights[v + Step];
            sum += rowScales[v >> blockShift] * VectorDot<TDot>(first, tokenActivations, v);
            sum += rowScales[(v + Step) >> blockShift] * VectorDot<TDot>(second, tokenActivations, v + Step);
        }
        if (v < vectors) sum += rowScales[v >> blockShift] * VectorDot<TDot>(rowWeights[v], tokenActivations, v);

        for (int c = lane; c < vectors / TernaryLayout.VectorsPerChunk; c += Step)
            sum -= rowScales[(c * TernaryLayout.VectorsPerChunk) >> blockShift] * tokenSums[c];
        return sum;
    }

    static int VectorDot<TDot>(Int4 words, ArrayView<Int4> tokenActivations, int vector) where TDot : struct, IDotProduct4 =>
        TernaryWord.Total(TernaryWord.AddVector<TDot>(default, words, tokenActivations, WordOf(vector)));

    /// <summary>The first word of weight vector <paramref name="vector"/>.</summary>
    static int WordOf(int vector) => vector * TernaryLayout.WordsPerVector;
}
