namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Rotary position embedding, NEOX style (used by BitNet b1.58): within each head, element i and element i + headDim/2 are
/// rotated by the angle position · theta^(-2i/headDim), i &lt; headDim/2. Angles are computed in double precision.
/// </summary>
public static class Rope
{
    /// <param name="x">heads × headDim values, rotated in place.</param>
    /// <param name="headDim">Even.</param>
    /// <param name="theta">The RoPE base (500000 for 2B4T).</param>
    public static void Apply(Span<float> x, int headDim, int position, float theta)
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "Head dimension must be positive and even.");
        if (x.Length % headDim != 0) throw new ArgumentException($"Length {x.Length} is not a multiple of the head dimension {headDim}.", nameof(x));
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (!(theta > 0)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "Theta must be positive.");

        int half = headDim / 2;
        Span<float> cos = half <= 512 ? stackalloc float[half] : new float[half];
        Span<float> sin = half <= 512 ? stackalloc float[half] : new float[half];
        for (int i = 0; i < half; i++)
        {
            double angle = position * Math.Pow(theta, -2.0 * i / headDim);
            cos[i] = (float)Math.Cos(angle);
            sin[i] = (float)Math.Sin(angle);
        }

        for (int head = 0; head < x.Length; head += headDim)
        {
            var first = x.Slice(head, half);
            var second = x.Slice(head + half, half);
            for (int i = 0; i < half; i++)
            {
                float a = first[i], b = second[i];
                first[i] = a * cos[i] - b * sin[i];
                second[i] = a * sin[i] + b * cos[i];
            }
        }
    }
}
