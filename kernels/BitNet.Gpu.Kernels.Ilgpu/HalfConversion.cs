using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>The two F16 values packed in a uint (low half first, as little-endian memory holds them) as floats.</summary>
public interface IHalfConversion
{
    float Low(uint pair);
    float High(uint pair);
}

/// <summary>
/// Through ILGPU's <see cref="Half"/> type: one conversion instruction each on CUDA (cvt.f32.f16), exact table lookups
/// on the CPU accelerator. OpenCL devices without cl_khr_fp16 cannot compile it.
/// </summary>
public struct HardwareHalfConversion : IHalfConversion
{
    public readonly float Low(uint pair) => Interop.IntAsFloat((ushort)pair);
    public readonly float High(uint pair) => Interop.IntAsFloat((ushort)(pair >> 16));
}

/// <summary>Integer steps only (<see cref="HalfBits.ToFloat"/>): any device, OpenCL without fp16 included.</summary>
public struct SoftwareHalfConversion : IHalfConversion
{
    public readonly float Low(uint pair) => HalfBits.ToFloat((ushort)pair);
    public readonly float High(uint pair) => HalfBits.ToFloat((ushort)(pair >> 16));
}
