using System.Reflection;
using ILGPU;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// PTX's dp4a as an ILGPU intrinsic: the call becomes one <c>dp4a.u32.s32</c> whose result stays in a register.
/// (CudaAsm.Emit with an <c>out</c> argument makes ILGPU store the result through a local-memory slot and load it
/// back: two local-memory instructions per dot product that ptxas keeps.)
/// </summary>
public static class Dp4a
{
    const string Instruction = "dp4a.u32.s32";

    // acc + Σ_i (uint8)codes.byte[i] · (int8)x.byte[i]
    /// <summary>The dot product in C#: what ILGPU's CPU accelerator and OpenCL run.</summary>
    public static int UnsignedBySigned(int codes, int x, int accumulator) =>
        accumulator
        + (byte)codes * (sbyte)x
        + (byte)(codes >> 8) * (sbyte)(x >> 8)
        + (byte)(codes >> 16) * (sbyte)(x >> 16)
        + (byte)(codes >> 24) * (sbyte)(x >> 24);

    /// <summary>The intrinsic: dp4a on PTX where the context enabled it, <see cref="UnsignedBySigned"/> elsewhere.</summary>
    [IntrinsicImplementation]
    public static int Intrinsic(int codes, int x, int accumulator) => UnsignedBySigned(codes, x, accumulator);

    /// <summary>Makes ILGPU's PTX backend emit dp4a for <see cref="Intrinsic"/>; call it on every context that compiles
    /// the CUDA kernels (the instruction needs sm_61 or later).</summary>
    public static Context.Builder EnableDp4a(this Context.Builder builder)
    {
        var intrinsic = typeof(Dp4a).GetMethod(nameof(Intrinsic), BindingFlags.Public | BindingFlags.Static)!;
        builder.GetIntrinsicManager().RegisterMethod(intrinsic,
            new PTXIntrinsic(typeof(Dp4a), nameof(GeneratePtx), IntrinsicImplementationMode.GenerateCode));
        return builder;
    }

    /// <summary>PTX for one call: the result register, then the codes, activations and accumulator registers.</summary>
    static void GeneratePtx(PTXBackend backend, PTXCodeGenerator codeGenerator, Value call)
    {
        var codes = codeGenerator.LoadPrimitive(call[0]);
        var x = codeGenerator.LoadPrimitive(call[1]);
        var accumulator = codeGenerator.LoadPrimitive(call[2]);
        var result = codeGenerator.AllocateHardware(call);
        using var command = codeGenerator.BeginCommand(Instruction);
        command.AppendArgument(result);
        command.AppendArgument(codes);
        command.AppendArgument(x);
        command.AppendArgument(accumulator);
    }
}
