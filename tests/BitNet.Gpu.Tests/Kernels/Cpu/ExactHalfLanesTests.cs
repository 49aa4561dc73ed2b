using System.Runtime.Intrinsics;
using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>The converted blocks' f16 → f32: every finite half, as both lanes of an int32, exactly W · 2^-96 (-0 as +0) and never denormal.</summary>
public class ExactHalfLanesTests
{
    const double TwoPowMinus96 = 1.2621774483536189e-29; // 2^-96

    /// <summary>Every finite half bit pattern (NaN and Inf excluded: the f16 products require finite weights).</summary>
    static ushort[] FiniteHalfBits() => Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(b => (b & 0x7C00) != 0x7C00).ToArray();

    static void AssertExact(ushort bits, float converted, string lane)
    {
        float expected = (float)((double)BitConverter.UInt16BitsToHalf(bits) * TwoPowMinus96); // exact: at most 11 significant bits
        if (bits == 0x8000) expected = 0f; // -0 reads as +0, which adds the same to any sum that starts at +0
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(converted),
            $"{lane} half {bits:X4}: {converted:R}, expected {expected:R}");
        Assert.False(float.IsSubnormal(converted), $"{lane} half {bits:X4} converted to a denormal");
    }

    [SkippableFact]
    public void Vector512_EveryFiniteHalf_InBothLanes()
    {
        Skip.IfNot(Vector512.IsHardwareAccelerated, "no 512-bit vectors on this CPU");
        AssertEveryFiniteHalf(Vector512<int>.Count,
            lanes => Values(ExactHalfLanes.Even(Vector512.Create(lanes))), lanes => Values(ExactHalfLanes.Odd(Vector512.Create(lanes))));
    }

    [SkippableFact]
    public void Vector256_EveryFiniteHalf_InBothLanes()
    {
        Skip.IfNot(Vector256.IsHardwareAccelerated, "no 256-bit vectors on this CPU");
        AssertEveryFiniteHalf(Vector256<int>.Count,
            lanes => Values(ExactHalfLanes.Even(Vector256.Create(lanes))), lanes => Values(ExactHalfLanes.Odd(Vector256.Create(lanes))));
    }

    static float[] Values(Vector512<float> v) { var values = new float[Vector512<float>.Count]; v.CopyTo(values); return values; }

    static float[] Values(Vector256<float> v) { var values = new float[Vector256<float>.Count]; v.CopyTo(values); return values; }

    /// <summary>Every finite half through <paramref name="even"/> (in the low 16 bits of its lane) and <paramref name="odd"/>
    /// (in the high 16), the other half of each lane holding any half.</summary>
    static void AssertEveryFiniteHalf(int count, Func<int[], float[]> even, Func<int[], float[]> odd)
    {
        var halves = FiniteHalfBits();
        for (int i = 0; i < halves.Length; i += count)
        {
            var lanes = new int[count];
            var swapped = new int[count];
            for (int j = 0; j < count; j++)
            {
                ushort h = halves[(i + j) % halves.Length], other = halves[(i + 7 * j + 1) % halves.Length];
                lanes[j] = h | (other << 16);
                swapped[j] = other | (h << 16);
            }
            var evenValues = even(lanes);
            var oddValues = odd(swapped);
            for (int j = 0; j < count; j++)
            {
                ushort h = halves[(i + j) % halves.Length];
                AssertExact(h, evenValues[j], "even");
                AssertExact(h, oddValues[j], "odd");
            }
        }
    }
}
