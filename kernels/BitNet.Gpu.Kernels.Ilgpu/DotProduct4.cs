using ILGPU.Runtime.Cuda;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>acc + Σ_i a.byte[i] · b.byte[i] over the four signed bytes of two ints: how a kernel multiplies int8 quads.</summary>
public interface IDotProduct4
{
    int Dot4(int a, int b, int accumulator);
}

/// <summary>Four multiply-adds; runs on every accelerator (OpenCL, CPU, CUDA before sm_61).</summary>
public struct PortableDot4 : IDotProduct4
{
    public readonly int Dot4(int a, int b, int accumulator) =>
        accumulator
        + (sbyte)a * (sbyte)b
        + (sbyte)(a >> 8) * (sbyte)(b >> 8)
        + (sbyte)(a >> 16) * (sbyte)(b >> 16)
        + (sbyte)(a >> 24) * (sbyte)(b >> 24);
}

/// <summary>The dp4a instruction (CUDA sm_61 and later) through inline PTX: one instruction for the four products.</summary>
public struct CudaDot4 : IDotProduct4
{
    public readonly int Dot4(int a, int b, int accumulator)
    {
        CudaAsm.Emit("dp4a.s32.s32 %0, %1, %2, %3;", out int result, a, b, accumulator);
        return result;
    }
}
