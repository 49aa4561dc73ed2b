namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Rotary position embedding. NEOX style (used by BitNet b1.58): within each head, element i and element i + headDim/2 are
/// rotated by the angle position · theta^(-2i/headDim), i &lt; headDim/2. Interleaved style (llama.cpp's "norm" rope, used
/// by converted llama weights): elements 2i and 2i+1 are the pair. Angles are computed in double precision.
/// </summary>
public static class Rope
{
    /// <summary>
    /// Rotates the first <paramref name="ropeDims"/> values of each head (the rest are left as they are), pairing
    /// (i, i + ropeDims/2) when <paramref name="interleaved"/> is false and (2i, 2i+1) when it is true.
    /// </summary>
    public static void Apply(Span<float> x, int headDim, int ropeDims, int position, float theta, bool interleaved)
    {
        if (!interleaved && ropeDims == headDim)
        {
            Apply(x, headDim, position, theta);
            return;
        }
        if (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0) throw new ArgumentOutOfRangeException(nameof(ropeDims), ropeDims, "RoPE dimensions must be even and at most the head dimension.");
        ArgumentOutOfRangeException.ThrowIfNegative(position);

        int half = ropeDims / 2;
        Span<float> cos = half <= 512 ? stackalloc float[half] : new float[half];
        Span<float> sin = half <= 512 ? stackalloc float[half] : new float[half];
        Angles(position, theta, ropeDims, cos, sin);
        Rotate(x, headDim, cos, sin, interleaved);
    }

    /// <summary>
    /// Rotates with angles computed beforehand by <see cref="Angles"/> (cos.Length = ropeDims / 2): a batch computes them
    /// once per position and reuses them for every layer and for both q and k.
    /// </summary>
    public static void Rotate(Span<float> x, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, bool interleaved)
    {
        int half = cos.Length;
        if (headDim <= 0 || x.Length % headDim != 0) throw new ArgumentException($"Length {x.Length} is not a multiple of the head dimension {headDim}.", nameof(x));
        if (half < 1 || 2 * half > headDim || sin.Length != half) throw new ArgumentException($"Expected 1 to {headDim / 2} angles, as many sines as cosines.", nameof(cos));
        if (!interleaved)
        {
            RotateHalves(x, headDim, cos, sin);
            return;
        }
        for (int head = 0; head < x.Length; head += headDim)
        {
            for (int i = 0; i < half; i++)
            {
                int a = head + 2 * i, b = a + 1;
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos[i] - x1 * sin[i];
                x[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }

    /// <summary>cos/sin of θ_i = position · theta^(-2i/dims), i &lt; dims/2 (computed in double).</summary>
    public static void Angles(int position, float theta, int dims, Span<float> cos, Span<float> sin)
    {
        for (int i = 0; i < cos.Length; i++)
        {
            double angle = position * Math.Pow(theta, -2.0 * i / dims);
            cos[i] = (float)Math.Cos(angle);
            sin[i] = (float)Math.Sin(angle);
        }
    }

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
        Angles(position, theta, headDim, cos, sin);
        Rotate(x, headDim, cos, sin, interleaved: false);
    }

    // NEOX pairs (i, i + half) over the first 2·half values of each head
    static void RotateHalves(Span<float> x, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = cos.Length;
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
