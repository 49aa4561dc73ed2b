using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>The integer dot product of one packed weight word (16 ternary codes) with the 16 int8 activations it meets.</summary>
static class TernaryWord
{
    const int OnePerByte = 0x01010101;

    // Σ_j (code_j − 1) · x_j  =  Σ_j code_j · x_j − Σ_j x_j, four values per dot-product instruction
    public static int Dot<TDot>(uint word, ArrayView<int> activations, long firstInt) where TDot : struct, IDotProduct4
    {
        var dot = default(TDot);
        int codeSum = 0, activationSum = 0;
        for (int k = 0; k < TernaryLayout.IntsPerWord; k++)
        {
            int x = activations[firstInt + k];
            codeSum = dot.Dot4(SpreadCodes((word >> (8 * k)) & 0xFF), x, codeSum);
            activationSum = dot.Dot4(OnePerByte, x, activationSum);
        }
        return codeSum - activationSum;
    }

    /// <summary>Four 2-bit codes of one byte, one per byte of an int (codes 0..2 are valid int8).</summary>
    static int SpreadCodes(uint fourCodes) =>
        (int)((fourCodes & 0x03) | ((fourCodes & 0x0C) << 6) | ((fourCodes & 0x30) << 12) | ((fourCodes & 0xC0) << 18));
}
