using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>The activations and activation sums of a tile of four tokens (TokensPerTile), one view per token.</summary>
struct TokenTile
{
    public ArrayView<Int4> Activations0, Activations1, Activations2, Activations3;   // one word's 16 activations per element
    public ArrayView<int> Sums0, Sums1, Sums2, Sums3;                                 // Σx per chunk of 128 columns
}

/// <summary>One float per token of a tile.</summary>
struct TileSums
{
    public float Token0, Token1, Token2, Token3;
}

/// <summary>
/// TernaryRow for a tile of four tokens: each 16-byte weight vector is loaded once and meets the four tokens'
/// activations (the masks of a word are shared). Same split of vectors and chunks over a row team's threads.
/// </summary>
static class TernaryTile
{
    const int OneBlock = 31;
    const int Step = KernelShapes.RowTeam;

    public static TileSums ThreadSums<TDot>(ArrayView<Int4> rowWeights, ArrayView<float> rowScales, TokenTile tile, int lane, int vectors, int blockShift)
        where TDot : struct, IDotProduct4
    {
        if (vectors == 0) return default;
        return blockShift == OneBlock
            ? ThreadDots<TDot>(rowWeights, rowScales[0], tile, lane, vectors)
            : ThreadBlockScaledDots<TDot>(rowWeights, rowScales, tile, lane, vectors, blockShift);
    }

    // scale · (Σ_{j ∈ thread} code_j · x_tj − Σ_{c ∈ thread} Σx_tc) per token t, in integers until the scale
    static TileSums ThreadDots<TDot>(ArrayView<Int4> rowWeights, float scale, TokenTile tile, int lane, int vectors)
        where TDot : struct, IDotProduct4
    {
        Int4 dots0 = default, dots1 = default, dots2 = default, dots3 = default;
        for (int v = lane; v < vectors; v += Step)
        {
            Int4 words = rowWeights[v];
            int word = v * TernaryLayout.WordsPerVector;
            dots0 = TernaryWord.AddVector<TDot>(dots0, words, tile.Activations0, word);
            dots1 = TernaryWord.AddVector<TDot>(dots1, words, tile.Activations1, word);
            dots2 = TernaryWord.AddVector<TDot>(dots2, words, tile.Activations2, word);
            dots3 = TernaryWord.AddVector<TDot>(dots3, words, tile.Activations3, word);
        }
        int dot0 = TernaryWord.Total(dots0), dot1 = TernaryWord.Total(dots1), dot2 = TernaryWord.Total(dots2), dot3 = TernaryWord.Total(dots3);
        for (int c = lane; c < vectors / TernaryLayout.VectorsPerChunk; c += Step)
        {
            dot0 -= tile.Sums0[c];
            dot1 -= tile.Sums1[c];
            dot2 -= tile.Sums2[c];
            dot3 -= tile.Sums3[c];
        }
        return new TileSums { Token0 = scale * dot0, Token1 = scale * dot1, Token2 = scale * dot2, Token3 = scale * dot3 };
    }

    // Σ_{v ∈ thread} scale[v >> blockShift] · Σ_{j ∈ v} code_j · x_tj − Σ_{c ∈ thread} scale[2c >> blockShift] · Σx_tc per token t
    static TileSums ThreadBlockScaledDots<TDot>(ArrayView<Int4> rowWeights, ArrayView<float> rowScales, TokenTile tile, int lane, int vectors, int blockShift)
        where TDot : struct, IDotProduct4
    {
        var sums = new TileSums();
        for (int v = lane; v < vectors; v += Step)
        {
            Int4 words = rowWeights[v];
            int word = v * TernaryLayout.WordsPerVector;
            float scale = rowScales[v >> blockShift];
            sums.Token0 += scale * TernaryWord.Total(TernaryWord.AddVector<TDot>(default, words, tile.Activations0, word));
            sums.Token1 += scale * TernaryWord.Total(TernaryWord.AddVector<TDot>(default, words, tile.Activations1, word));
            sums.Token2 += scale * TernaryWord.Total(TernaryWord.AddVector<TDot>(default, words, tile.Activations2, word));
            sums.Token3 += scale * TernaryWord.Total(TernaryWord.AddVector<TDot>(default, words, tile.Activations3, word));
        }
        for (int c = lane; c < vectors / TernaryLayout.VectorsPerChunk; c += Step)
        {
            float scale = rowScales[(c * TernaryLayout.VectorsPerChunk) >> blockShift];
            sums.Token0 -= scale * tile.Sums0[c];
            sums.Token1 -= scale * tile.Sums1[c];
            sums.Token2 -= scale * tile.Sums2[c];
            sums.Token3 -= scale * tile.Sums3[c];
        }
        return sums;
    }
}
