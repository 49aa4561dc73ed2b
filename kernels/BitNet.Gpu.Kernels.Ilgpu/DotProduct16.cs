using ILGPU.Runtime.Cuda;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>Σ_i a.code[i] · b.code[i] over sixteen signed bytes: one 16-byte chunk of the int8 output layer.</summary>
public interface IDotProduct16
{
    int Dot16(SixteenCodes a, SixteenCodes b);
}

/// <summary>Sixteen signed multiply-adds; runs on every accelerator. (Not <see cref="PortableDot4"/>: that one reads
/// its first operand's bytes as unsigned ternary codes.)</summary>
public struct PortableDot16 : IDotProduct16
{
    public readonly int Dot16(SixteenCodes a, SixteenCodes b) =>
        SignedDot4(a.Quad0, b.Quad0) + SignedDot4(a.Quad1, b.Quad1) + SignedDot4(a.Quad2, b.Quad2) + SignedDot4(a.Quad3, b.Quad3);

    // Σ_i a.byte[i] · b.byte[i], both int8
    static int SignedDot4(int a, int b) =>
        (sbyte)a * (sbyte)b + (sbyte)(a >> 8) * (sbyte)(b >> 8) + (sbyte)(a >> 16) * (sbyte)(b >> 16) + (sbyte)(a >> 24) * (sbyte)(b >> 24);
}

/// <summary>
/// Four chained dp4a instructions (CUDA sm_61 and later) in one inline PTX block: ILGPU passes an inline-assembly result
/// through local memory, so one block per chunk costs one such store and load where four separate dp4a would cost four.
/// </summary>
public struct CudaDot16 : IDotProduct16
{
    public readonly int Dot16(SixteenCodes a, SixteenCodes b)
    {
        CudaAsm.Emit(
            "{ .reg .s32 t; dp4a.s32.s32 t, %1, %2, 0; dp4a.s32.s32 t, %3, %4, t; dp4a.s32.s32 t, %5, %6, t; dp4a.s32.s32 %0, %7, %8, t; }",
            out int result, a.Quad0, b.Quad0, a.Quad1, b.Quad1, a.Quad2, b.Quad2, a.Quad3, b.Quad3);
        return result;
    }
}
