using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>A dense matrix as the kernels read it: one float per index, whatever the storage.</summary>
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
}
