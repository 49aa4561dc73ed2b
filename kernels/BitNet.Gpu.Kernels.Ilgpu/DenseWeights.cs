using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>A dense matrix (weights, or the KV cache) as the kernels read it: one float per index, whatever the storage.</summary>
public interface IDenseWeights
{
    float Get(long index);
}

/// <summary>F16 weights, stored as raw bits and widened in the kernel (no half-precision device support needed).</summary>
public struct HalfWeights(ArrayView<ushort> bits) : IDenseWeights
{
    public ArrayView<ushort> Bits = bits;

    public readonly float Get(long index) => HalfBits.ToFloat(Bits[index]);
}

/// <summary>F32 weights, for tables whose values F16 cannot hold exactly.</summary>
public struct FloatWeights(ArrayView<float> values) : IDenseWeights
{
    public ArrayView<float> Values = values;

    public readonly float Get(long index) => Values[index];
}

/// <summary>IEEE half → float from the bits.</summary>
public static class HalfBits
{
    public static float ToFloat(ushort bits)
    {
        uint sign = (uint)(bits & 0x8000) << 16;
        uint exponent = (uint)(bits >> 10) & 0x1F;
        uint mantissa = (uint)bits & 0x3FF;
        if (exponent == 0)   // zero or subnormal: mantissa · 2^−24
        {
            float magnitude = (int)mantissa * 5.9604645e-8f;   // via int: an unsigned conversion would go through double
            return sign != 0 ? -magnitude : magnitude;
        }
        if (exponent == 31) return Interop.IntAsFloat(sign | 0x7F800000u | (mantissa << 13));
        return Interop.IntAsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /// <summary>
    /// float → the nearest half (ties to even), saturated to ±65504 so a cache never holds an infinity; NaN stays NaN.
    /// Integer steps only, so every device rounds alike.
    /// </summary>
    public static ushort FromFloat(float value)
    {
        uint bits = Interop.FloatAsInt(value);
        uint sign = (bits >> 16) & 0x8000;
        uint magnitude = bits & 0x7FFFFFFF;
        if (magnitude > 0x7F800000) return (ushort)(sign | 0x7E00);    // NaN
        if (magnitude >= 0x477FE000) return (ushort)(sign | 0x7BFF);   // 65504 and above (as bits: the same order)
        if (magnitude < 0x38800000)                                     // below 2^-14: a subnormal half or zero
        {
            // Adding 0.5 leaves the value in units of 2^-24 in the low mantissa bits, rounded to nearest even by the add.
            uint units = Interop.FloatAsInt(Interop.IntAsFloat(magnitude) + 0.5f) - 0x3F000000u;
            return (ushort)(sign | units);
        }
        // A normal half: rebias the exponent by 127 − 15 and round the 23-bit mantissa to 10 bits, ties to even.
        uint odd = (magnitude >> 13) & 1;
        return (ushort)(sign | ((magnitude - (112u << 23) + 0xFFFu + odd) >> 13));
    }
}
