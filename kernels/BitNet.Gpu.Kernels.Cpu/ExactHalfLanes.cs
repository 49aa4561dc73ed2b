using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Two f16 weights per int32 lane (the even column in the low 16 bits, the odd one in the high 16) as two float vectors
/// equal to W · 2^-96: exact for every finite half, subnormals included (-0 reads as +0, which adds the same to a sum that
/// starts at +0), and never a denormal float.
/// <para>
/// <see cref="F16MatVec"/>'s conversion (three integer instructions: shift, shift, mask) gives W · 2^-112, which is a
/// denormal float for a subnormal half, and Intel cores take a microcode assist for every multiply with a denormal input:
/// 8 tokens × a 128,256 × 2,560 f16 matrix with 0.15% subnormal weights took 137 ms there against 65 ms with those
/// weights set to zero (Intel Xeon, Sapphire Rapids, 2 threads, 2026-12-07). Here the exponent moves up by 16, which
/// makes a normal half's float W · 2^-96; a subnormal half ±m · 2^-24 then reads ±(2^-111 + m · 2^-121), and 2v ∓ 2^-110
/// (one fused multiply-add, exact) leaves ±m · 2^-120, its W · 2^-96. The products equal F16MatVec's exactly when x
/// carries 2^48 instead of 2^64.
/// </para>
/// </summary>
internal static class ExactHalfLanes
{
    /// <summary>
    /// Whether this CPU multiplies denormal inputs through a microcode assist: Intel cores do (measured above). AMD Zen
    /// cores keep the in-register conversion: on a 2-core AMD EPYC it took 31–43 ms for 8 tokens × a matrix of this shape
    /// with subnormal weights (2026-12-06), against 135 ms here with the assists; the converted blocks were not measured there.
    /// </summary>
    public static bool DenormalInputsAreSlow { get; } = X86Base.IsSupported && CpuVendor() == "GenuineIntel";

    /// <summary>The CPUID vendor string (leaf 0: EBX, EDX, ECX).</summary>
    static string CpuVendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor, ebx);
        BitConverter.TryWriteBytes(vendor[4..], edx);
        BitConverter.TryWriteBytes(vendor[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(vendor);
    }

    /// <summary>The scale on x that makes W · 2^-96 · x · 2^48 the same product as F16MatVec's W · 2^-112 · x · 2^64.</summary>
    public const float XScale = 281474976710656f; // 2^48

    const int PlacedBits = unchecked((int)0x8FFFE000); // a half's sign, exponent and mantissa, placed as a float's
    const int ExponentBits = 0x0F800000;
    const int Rebias = 16 << 23;                          // exponent + 16: W · 2^-112 → W · 2^-96
    const float SubnormalOffset = 7.703719777548943e-34f; // 2^-110

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Even(Vector512<int> lanes) => Scaled(Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(lanes, 16), 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Odd(Vector512<int> lanes) => Scaled(Vector512.ShiftRightArithmetic(lanes, 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Even(Vector256<int> lanes) => Scaled(Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(lanes, 16), 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Odd(Vector256<int> lanes) => Scaled(Vector256.ShiftRightArithmetic(lanes, 3));

    /// <summary>W · 2^-96 from a half placed as a float's bits: sign at bit 31, exponent at 23–27, mantissa at 13–22.</summary>
    // normal: exponent + 16. Exponent 0 (±m·2^-24): the rebiased float reads ±(2^-111 + m·2^-121), and 2v ∓ 2^-110 = ±m·2^-120
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Scaled(Vector512<int> placed)
    {
        var value = ((placed & Vector512.Create(PlacedBits)) + Vector512.Create(Rebias)).AsSingle();
        var offset = Vector512.Create(SubnormalOffset) | (value & Vector512.Create(-0f)); // 2^-110 with the value's sign
        var subnormal = Vector512.Equals(placed & Vector512.Create(ExponentBits), Vector512<int>.Zero).AsSingle();
        return Vector512.ConditionalSelect(subnormal, Vector512.FusedMultiplyAdd(value, Vector512.Create(2f), -offset), value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Scaled(Vector256<int> placed)
    {
        var value = ((placed & Vector256.Create(PlacedBits)) + Vector256.Create(Rebias)).AsSingle();
        var offset = Vector256.Create(SubnormalOffset) | (value & Vector256.Create(-0f));
        var subnormal = Vector256.Equals(placed & Vector256.Create(ExponentBits), Vector256<int>.Zero).AsSingle();
        return Vector256.ConditionalSelect(subnormal, Vector256.FusedMultiplyAdd(value, Vector256.Create(2f), -offset), value);
    }
}
