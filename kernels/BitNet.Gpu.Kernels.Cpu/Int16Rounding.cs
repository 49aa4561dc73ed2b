namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// x rounded to int16 for the integer dot products of the dense kernels: x ≈ step·q with step = max|x| / largest, so
/// each value moves by at most step/2 (2^-16 of max|x| with the full int16 range).
/// </summary>
internal static unsafe class Int16Rounding
{
    /// <summary>q = round(x / step), |q| ≤ <paramref name="largest"/>; returns step (0 when x is all zeros).</summary>
    public static float Round(ReadOnlySpan<float> x, short* q, int largest = short.MaxValue)
    {
        float largestAbs = 0;
        foreach (float value in x) largestAbs = MathF.Max(largestAbs, MathF.Abs(value));
        float step = largestAbs / largest;
        float inverse = step > 0 ? 1 / step : 0;
        for (int c = 0; c < x.Length; c++) q[c] = (short)Math.Clamp(MathF.Round(x[c] * inverse), -largest, largest);
        return step;
    }
}
