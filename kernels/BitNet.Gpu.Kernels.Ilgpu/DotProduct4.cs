namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// acc + Σ_i codes.byte[i] · x.byte[i] over the four bytes of two ints, the code bytes unsigned (0..255) and the
/// activation bytes signed (int8): how a kernel multiplies four weight codes by four activations.
/// </summary>
public interface IDotProduct4
{
    int Dot4(int codes, int x, int accumulator);
}

/// <summary>Four multiply-adds; runs on every accelerator (OpenCL, CPU, CUDA before sm_61).</summary>
public struct PortableDot4 : IDotProduct4
{
    public readonly int Dot4(int codes, int x, int accumulator) => Dp4a.UnsignedBySigned(codes, x, accumulator);
}

/// <summary>The dp4a instruction (CUDA sm_61 and later): one instruction for the four products. ILGPU emits it where
/// the context has <see cref="Dp4a.EnableDp4a"/>; anywhere else the same method runs as four multiply-adds.</summary>
public struct CudaDot4 : IDotProduct4
{
    public readonly int Dot4(int codes, int x, int accumulator) => Dp4a.Intrinsic(codes, x, accumulator);
}
