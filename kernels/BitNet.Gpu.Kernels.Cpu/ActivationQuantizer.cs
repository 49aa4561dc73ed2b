using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Per-token int8 quantization of activations, as bitnet.cpp does it:
/// scale = 127 / max(max|x|, 1e-5); q = round-half-to-even(x · scale) clamped to [-128, 127].
/// Every path gives bit-identical results (one float multiply, then ties-to-even rounding).
/// </summary>
public static class ActivationQuantizer
{
    /// <summary>Smallest max|x| used, so an all-zero vector does not divide by zero.</summary>
    public const float MinAbsMax = 1e-5f;

    /// <summary>Quantizes <paramref name="x"/> into <paramref name="q"/> (same length); returns the scale (q ≈ x · scale).</summary>
    public static float Quantize(ReadOnlySpan<float> x, Span<sbyte> q) => Quantize(x, q, SimdSupport.Best);

    internal static float Quantize(ReadOnlySpan<float> x, Span<sbyte> q, SimdPath path)
    {
        if (q.Length != x.Length)
            throw new ArgumentException($"Output length {q.Length} differs from input length {x.Length}.", nameof(q));
        SimdSupport.ThrowIfUnsupported(path);
        float scale = 127f / MathF.Max(MaxAbs(x, path), MinAbsMax);
        int done = path switch
        {
            SimdPath.Avx512 => Round512(x, q, scale),
            SimdPath.Avx2 or SimdPath.Avx2Vnni => Round256(x, q, scale),
            SimdPath.Vector128 => Round128(x, q, scale),
            _ => 0,
        };
        for (int i = done; i < x.Length; i++) q[i] = RoundOne(x[i], scale);
        return scale;
    }

    /// <summary>The scalar definition of one quantized value.</summary>
    static sbyte RoundOne(float value, float scale) =>
        (sbyte)Math.Clamp(MathF.Round(value * scale, MidpointRounding.ToEven), -128f, 127f);

    static float MaxAbs(ReadOnlySpan<float> x, SimdPath path)
    {
        float max = 0f;
        int i = 0;
        ref float start = ref MemoryMarshal.GetReference(x);
        if (path == SimdPath.Avx512 && x.Length >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= x.Length - 16; i += 16) acc = Vector512.Max(acc, Vector512.Abs(Vector512.LoadUnsafe(ref start, (nuint)i)));
            max = Max256(Vector256.Max(acc.GetLower(), acc.GetUpper()));
        }
        else if ((path is SimdPath.Avx2 or SimdPath.Avx2Vnni) && x.Length >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= x.Length - 8; i += 8) acc = Vector256.Max(acc, Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i)));
            max = Max256(acc);
        }
        else if (path == SimdPath.Vector128 && x.Length >= 4)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= x.Length - 4; i += 4) acc = Vector128.Max(acc, Vector128.Abs(Vector128.LoadUnsafe(ref start, (nuint)i)));
            max = Max128(acc);
        }
        for (; i < x.Length; i++) max = MathF.Max(max, MathF.Abs(x[i]));
        return max;
    }

    static float Max256(Vector256<float> v) => Max128(Vector128.Max(v.GetLower(), v.GetUpper()));

    static float Max128(Vector128<float> v) => MathF.Max(MathF.Max(v[0], v[1]), MathF.Max(v[2], v[3]));

    // Each RoundN quantizes whole groups of 4 vectors (narrowed int32 -> int16 -> int8) and returns how many values it did.

    static int Round512(ReadOnlySpan<float> x, Span<sbyte> q, float scale)
    {
        ref float src = ref MemoryMarshal.GetReference(x);
        ref sbyte dst = ref MemoryMarshal.GetReference(q);
        int i = 0;
        for (; i <= x.Length - 64; i += 64)
        {
            var a = RoundToInt(Vector512.LoadUnsafe(ref src, (nuint)i), scale);
            var b = RoundToInt(Vector512.LoadUnsafe(ref src, (nuint)i + 16), scale);
            var c = RoundToInt(Vector512.LoadUnsafe(ref src, (nuint)i + 32), scale);
            var d = RoundToInt(Vector512.LoadUnsafe(ref src, (nuint)i + 48), scale);
            // Narrow packs the halves in order (unlike the in-lane pack instructions), so no shuffle is needed.
            Vector512.Narrow(Vector512.Narrow(a, b), Vector512.Narrow(c, d)).StoreUnsafe(ref dst, (nuint)i);
        }
        return i;
    }

    static int Round256(ReadOnlySpan<float> x, Span<sbyte> q, float scale)
    {
        ref float src = ref MemoryMarshal.GetReference(x);
        ref sbyte dst = ref MemoryMarshal.GetReference(q);
        int i = 0;
        for (; i <= x.Length - 32; i += 32)
        {
            var a = RoundToInt(Vector256.LoadUnsafe(ref src, (nuint)i), scale);
            var b = RoundToInt(Vector256.LoadUnsafe(ref src, (nuint)i + 8), scale);
            var c = RoundToInt(Vector256.LoadUnsafe(ref src, (nuint)i + 16), scale);
            var d = RoundToInt(Vector256.LoadUnsafe(ref src, (nuint)i + 24), scale);
            Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, d)).StoreUnsafe(ref dst, (nuint)i);
        }
        return i;
    }

    static int Round128(ReadOnlySpan<float> x, Span<sbyte> q, float scale)
    {
        ref float src = ref MemoryMarshal.GetReference(x);
        ref sbyte dst = ref MemoryMarshal.GetReference(q);
        int i = 0;
        for (; i <= x.Length - 16; i += 16)
        {
            var a = RoundToInt(Vector128.LoadUnsafe(ref src, (nuint)i), scale);
            var b = RoundToInt(Vector128.LoadUnsafe(ref src, (nuint)i + 4), scale);
            var c = RoundToInt(Vector128.LoadUnsafe(ref src, (nuint)i + 8), scale);
            var d = RoundToInt(Vector128.LoadUnsafe(ref src, (nuint)i + 12), scale);
            Vector128.Narrow(Vector128.Narrow(a, b), Vector128.Narrow(c, d)).StoreUnsafe(ref dst, (nuint)i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<int> RoundToInt(Vector512<float> x, float scale) =>
        Vector512.ConvertToInt32(Vector512.Clamp(Vector512.Round(x * scale), Vector512.Create(-128f), Vector512.Create(127f)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> RoundToInt(Vector256<float> x, float scale) =>
        Vector256.ConvertToInt32(Vector256.Clamp(Vector256.Round(x * scale), Vector256.Create(-128f), Vector256.Create(127f)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<int> RoundToInt(Vector128<float> x, float scale) =>
        Vector128.ConvertToInt32(Vector128.Clamp(Vector128.Round(x * scale), Vector128.Create(-128f), Vector128.Create(127f)));
}
