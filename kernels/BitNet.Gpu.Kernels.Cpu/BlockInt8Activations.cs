using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// x rounded to int8 in blocks of 256, as llama.cpp's Q8_K: x ≈ step_b·q with step_b = max|x in block b| / 127, so a
/// value moves by at most step_b/2. Also keeps Σ q per 16 values, which the K-quant kernels need for their offsets.
/// Native, 64-byte aligned memory, freed by <see cref="Dispose"/>.
/// </summary>
internal sealed unsafe class BlockInt8Activations : IDisposable
{
    public const int BlockValues = 256;
    public const int SumValues = 16;
    const int Largest = 127;

    BlockInt8Activations(int cols)
    {
        Cols = cols;
        Codes = (sbyte*)NativeMemory.AlignedAlloc((nuint)cols, 64);
        Steps = (float*)NativeMemory.AlignedAlloc((nuint)(cols / BlockValues * sizeof(float)), 64);
        Sums = (short*)NativeMemory.AlignedAlloc((nuint)(cols / SumValues * sizeof(short)), 64);
    }

    public int Cols { get; }
    /// <summary>cols int8 codes.</summary>
    public sbyte* Codes { get; private set; }
    /// <summary>One step per block of 256.</summary>
    public float* Steps { get; private set; }
    /// <summary>Σ codes per 16 values (|Σ| ≤ 2032).</summary>
    public short* Sums { get; private set; }

    /// <summary>Rounds x (a multiple of 256 long). A block of zeros, or one holding an Inf or NaN, gets step 0 and codes 0.</summary>
    public static BlockInt8Activations Round(ReadOnlySpan<float> x)
    {
        if (x.Length % BlockValues != 0) throw new ArgumentException($"Expected a multiple of {BlockValues} values, got {x.Length}.", nameof(x));
        var rounded = new BlockInt8Activations(x.Length);
        for (int b = 0; b < x.Length / BlockValues; b++)
            rounded.RoundBlock(x.Slice(b * BlockValues, BlockValues), b);
        return rounded;
    }

    void RoundBlock(ReadOnlySpan<float> x, int block)
    {
        float largestAbs = 0;
        foreach (float value in x) largestAbs = MathF.Max(largestAbs, MathF.Abs(value));
        float step = largestAbs / Largest;
        float inverse = step > 0 && float.IsFinite(step) ? 1 / step : 0;
        Steps[block] = inverse == 0 ? 0 : step;
        sbyte* codes = Codes + block * BlockValues;
        for (int c = 0; c < BlockValues; c++) codes[c] = (sbyte)Math.Clamp(MathF.Round(x[c] * inverse), -Largest, Largest);
        for (int s = 0; s < BlockValues / SumValues; s++)
        {
            int sum = 0;
            for (int c = 0; c < SumValues; c++) sum += codes[SumValues * s + c];
            Sums[block * (BlockValues / SumValues) + s] = (short)sum;
        }
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(Codes);
        NativeMemory.AlignedFree(Steps);
        NativeMemory.AlignedFree(Sums);
        Codes = null;
        Steps = null;
        Sums = null;
    }
}
