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
        Dp4a.SignedBySigned(a.Quad3, b.Quad3,
            Dp4a.SignedBySigned(a.Quad2, b.Quad2,
                Dp4a.SignedBySigned(a.Quad1, b.Quad1,
                    Dp4a.SignedBySigned(a.Quad0, b.Quad0, 0))));
}

/// <summary>Four chained signed dp4a instructions (CUDA sm_61 and later) through the <see cref="Dp4a"/> intrinsic, so
/// the sum stays in registers; where the context has no dp4a the same calls run as multiply-adds.</summary>
public struct CudaDot16 : IDotProduct16
{
    public readonly int Dot16(SixteenCodes a, SixteenCodes b) =>
        Dp4a.SignedIntrinsic(a.Quad3, b.Quad3,
            Dp4a.SignedIntrinsic(a.Quad2, b.Quad2,
                Dp4a.SignedIntrinsic(a.Quad1, b.Quad1,
                    Dp4a.SignedIntrinsic(a.Quad0, b.Quad0, 0))));
}
