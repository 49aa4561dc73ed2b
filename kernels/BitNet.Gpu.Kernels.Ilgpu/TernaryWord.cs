using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// Integer dot products of packed weight words (16 codes each, TernaryLayout) with the int8 activations they meet.
/// Mask k of a word lines up the codes of the word's int k, each scaled by 4^k, so a word costs four masks and four
/// dot-product instructions. The four products land in four accumulators (one per mask), combined once per scale block.
/// </summary>
static class TernaryWord
{
    // dots.k += Σ_i 4^k · code[4k+i] · x[4k+i]    for the 4 words of a vector and their 16 activation ints
    public static Int4 AddVector<TDot>(Int4 dots, Int4 words, ArrayView<Int4> activations, int firstWord) where TDot : struct, IDotProduct4
    {
        dots = AddWord<TDot>(dots, words.X, activations[firstWord]);
        dots = AddWord<TDot>(dots, words.Y, activations[firstWord + 1]);
        dots = AddWord<TDot>(dots, words.Z, activations[firstWord + 2]);
        return AddWord<TDot>(dots, words.W, activations[firstWord + 3]);
    }

    // Σ_j code_j · x_j  from the four accumulators (exact: accumulator k is a multiple of 4^k)
    public static int Total(Int4 dots) => dots.X + (dots.Y >> 2) + (dots.Z >> 4) + (dots.W >> 6);

    static Int4 AddWord<TDot>(Int4 dots, int word, Int4 x) where TDot : struct, IDotProduct4
    {
        var dot = default(TDot);
        return new Int4(
            dot.Dot4(word & TernaryLayout.CodeMask, x.X, dots.X),
            dot.Dot4(word & (TernaryLayout.CodeMask << 2), x.Y, dots.Y),
            dot.Dot4(word & (TernaryLayout.CodeMask << 4), x.Z, dots.Z),
            dot.Dot4(word & (TernaryLayout.CodeMask << 6), x.W, dots.W));
    }
}
