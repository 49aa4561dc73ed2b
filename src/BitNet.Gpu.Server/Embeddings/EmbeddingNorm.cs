namespace BitNet.Gpu.Server.Embeddings;

/// <summary>
/// llama.cpp's embd_normalize: how a pooled vector is scaled. −1: as it is; 0: to the int16 range, 32760·x / max|x|;
/// 1: by the taxicab norm, x / Σ|x|; 2 (the default): by the Euclidean norm, x / √Σx²; p &gt; 2: by the p-norm,
/// x / (Σ|x|^p)^(1/p). A zero vector stays zero.
/// </summary>
internal static class EmbeddingNorm
{
    /// <summary>The largest p taken (a larger one adds nothing a float can hold: |x|^p overflows).</summary>
    public const int MaxP = 64;

    public static float[] Apply(float[] vector, int norm)
    {
        double scale = norm switch
        {
            < 0 => 1,
            0 => vector.Max(x => Math.Abs((double)x)) is var largest && largest > 0 ? 32760 / largest : 0,
            1 => vector.Sum(x => Math.Abs((double)x)) is var sum && sum > 0 ? 1 / sum : 0,
            2 => Math.Sqrt(vector.Sum(x => (double)x * x)) is var length && length > 0 ? 1 / length : 0,
            _ => PNorm(vector, norm) is var p && p > 0 ? 1 / p : 0,
        };
        return scale == 1 ? vector : Array.ConvertAll(vector, x => (float)(x * scale));
    }

    /// <summary>(Σ|x|^p)^(1/p), computed relative to the largest |x| so the powers neither overflow nor vanish.</summary>
    static double PNorm(float[] vector, int p)
    {
        double largest = vector.Max(x => Math.Abs((double)x));
        if (largest == 0) return 0;
        return largest * Math.Pow(vector.Sum(x => Math.Pow(Math.Abs(x) / largest, p)), 1.0 / p);
    }
}
