using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Vectorized f16 → f32 with integer bit tricks (.NET 10 exposes no vcvtph2ps).
/// A half's magnitude bits shifted left by 13 are a float exponent/mantissa off by a bias of 112:
/// as float they equal value · 2^-112 for normal and subnormal halves alike, so one multiply by 2^112 finishes the job;
/// Inf and NaN (exponent 31) get their float exponent set explicitly.
/// </summary>
public static class HalfConversion
{
    internal const float TwoPow112 = 5.192296858534828e33f; // 2^112

    /// <summary>destination[i] = (float)source[i], exactly (Inf and NaN included).</summary>
    public static void ToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"Destination holds {destination.Length} values, source has {source.Length}.", nameof(destination));
        ref ushort src = ref Unsafe.As<Half, ushort>(ref MemoryMarshal.GetReference(source));
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - 16; i += 16)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                Convert(lower).StoreUnsafe(ref dst, (nuint)i);
                Convert(upper).StoreUnsafe(ref dst, (nuint)i + 8);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= source.Length - 8; i += 8)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                Convert(lower).StoreUnsafe(ref dst, (nuint)i);
                Convert(upper).StoreUnsafe(ref dst, (nuint)i + 4);
            }
        }
        for (; i < source.Length; i++) destination[i] = (float)source[i];
    }

    /// <summary>Whether <paramref name="halves"/> holds a nonzero subnormal (exponent 0) value. Stops at the first.</summary>
    public static bool HasSubnormal(ReadOnlySpan<Half> halves)
    {
        var bits = MemoryMarshal.Cast<Half, ushort>(halves);
        int i = 0;
        var exponent = Vector256.Create((ushort)0x7C00);
        var mantissa = Vector256.Create((ushort)0x03FF);
        for (; i + Vector256<ushort>.Count <= bits.Length; i += Vector256<ushort>.Count)
        {
            var h = Vector256.Create(bits.Slice(i, Vector256<ushort>.Count));
            var subnormal = Vector256.Equals(h & exponent, Vector256<ushort>.Zero) & ~Vector256.Equals(h & mantissa, Vector256<ushort>.Zero);
            if (subnormal != Vector256<ushort>.Zero) return true;
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7C00) == 0 && (bits[i] & 0x03FF) != 0) return true;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Convert(Vector256<uint> half)
    {
        var magnitude = (half & Vector256.Create(0x7FFFu)) << 13;
        var value = magnitude.AsSingle() * Vector256.Create(TwoPow112);
        var infOrNaN = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7C00u << 13));
        var bits = value.AsUInt32() | (infOrNaN & Vector256.Create(0x7F800000u));
        return (bits | ((half & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<float> Convert(Vector128<uint> half)
    {
        var magnitude = (half & Vector128.Create(0x7FFFu)) << 13;
        var value = magnitude.AsSingle() * Vector128.Create(TwoPow112);
        var infOrNaN = Vector128.GreaterThanOrEqual(magnitude, Vector128.Create(0x7C00u << 13));
        var bits = value.AsUInt32() | (infOrNaN & Vector128.Create(0x7F800000u));
        return (bits | ((half & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }
}
