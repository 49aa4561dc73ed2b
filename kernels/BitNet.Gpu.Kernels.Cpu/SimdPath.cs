using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>The instruction sets a kernel can be run with, from plain C# to AVX-512.</summary>
public enum SimdPath
{
    /// <summary>Plain scalar C#: the readable reference, used by tests.</summary>
    Scalar,
    /// <summary>Portable 128-bit vectors (SSE on x86, AdvSimd on ARM64).</summary>
    Vector128,
    /// <summary>x86 AVX2 (256-bit).</summary>
    Avx2,
    /// <summary>
    /// x86 AVX2 with AVX-VNNI: vpdpbusd and vpdpwssd multiply, add pairs or quads and accumulate in one 256-bit
    /// instruction (Intel Alder Lake and later, AMD Zen 4 and later). Kernels without a VNNI variant run their AVX2 code.
    /// </summary>
    Avx2Vnni,
    /// <summary>x86 AVX-512 F + BW (512-bit).</summary>
    Avx512,
}

/// <summary>Which <see cref="SimdPath"/>s this machine runs, and the fastest of them.</summary>
public static class SimdSupport
{
    /// <summary>The path the public kernel entry points use.</summary>
    public static SimdPath Best { get; } =
        IsSupported(SimdPath.Avx512) ? SimdPath.Avx512 :
        IsSupported(SimdPath.Avx2Vnni) ? SimdPath.Avx2Vnni :
        IsSupported(SimdPath.Avx2) ? SimdPath.Avx2 :
        IsSupported(SimdPath.Vector128) ? SimdPath.Vector128 : SimdPath.Scalar;

    public static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Scalar => true,
        SimdPath.Vector128 => Vector128.IsHardwareAccelerated,
        SimdPath.Avx2 => Avx2.IsSupported,
        SimdPath.Avx2Vnni => Avx2.IsSupported && AvxVnni.IsSupported,
        SimdPath.Avx512 => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>Every path this machine runs (tests run each against the scalar reference).</summary>
    public static IReadOnlyList<SimdPath> Supported { get; } =
        Enum.GetValues<SimdPath>().Where(IsSupported).ToArray();

    /// <summary>Whether <paramref name="path"/> runs AVX2's 256-bit instructions (every x86 path from AVX2 up).</summary>
    public static bool HasAvx2(SimdPath path) => path is SimdPath.Avx2 or SimdPath.Avx2Vnni or SimdPath.Avx512;

    internal static void ThrowIfUnsupported(SimdPath path)
    {
        if (!IsSupported(path))
            throw new PlatformNotSupportedException($"SIMD path {path} is not supported on this machine.");
    }
}
