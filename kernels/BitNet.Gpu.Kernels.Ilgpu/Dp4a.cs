using System.Reflection;
using ILGPU;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// PTX's dp4a as ILGPU intrinsics: a call becomes one <c>dp4a.u32.s32</c> (ternary codes by int8 activations) or
/// <c>dp4a.s32.s32</c> (int8 by int8) whose result stays in a register.
/// (CudaAsm.Emit with an <c>out</c> argument makes ILGPU store the result through a local-memory slot and load it
/// back: two local-memory instructions per dot product that ptxas keeps.)
/// </summary>
public static class Dp4a
{
    const string UnsignedBySignedInstruction = "dp4a.u32.s32";
    const string SignedBySignedInstruction = "dp4a.s32.s32";

    // acc + Σ_i (uint8)codes.byte[i] · (int8)x.byte[i]
    /// <summary>The dot product in C#: what ILGPU's CPU accelerator and OpenCL run.</summary>
    public static int UnsignedBySigned(int codes, int x, int accumulator) =>
        accumulator
        + (byte)codes * (sbyte)x
        + (byte)(codes >> 8) * (sbyte)(x >> 8)
        + (byte)(codes >> 16) * (sbyte)(x >> 16)
        + (byte)(codes >> 24) * (sbyte)(x >> 24);

    // acc + Σ_i (int8)a.byte[i] · (int8)b.byte[i]
    /// <summary>The signed dot product in C#: what ILGPU's CPU accelerator and OpenCL run.</summary>
    public static int SignedBySigned(int a, int b, int accumulator) =>
        accumulator
        + (sbyte)a * (sbyte)b
        + (sbyte)(a >> 8) * (sbyte)(b >> 8)
        + (sbyte)(a >> 16) * (sbyte)(b >> 16)
        + (sbyte)(a >> 24) * (sbyte)(b >> 24);

    /// <summary>The intrinsic: dp4a on PTX where the context enabled it, <see cref="UnsignedBySigned"/> elsewhere.</summary>
    [IntrinsicImplementation]
    public static int Intrinsic(int codes, int x, int accumulator) => UnsignedBySigned(codes, x, accumulator);

    /// <summary>The signed intrinsic: dp4a on PTX where the context enabled it, <see cref="SignedBySigned"/> elsewhere.</summary>
    [IntrinsicImplementation]
    public static int SignedIntrinsic(int a, int b, int accumulator) => SignedBySigned(a, b, accumulator);

    /// <summary>Makes ILGPU's PTX backend emit dp4a for <see cref="Intrinsic"/>; call it on every context that compiles
    /// the CUDA kernels (the instruction needs sm_61 or later).</summary>
    public static Context.Builder EnableDp4a(this Context.Builder builder)
    {
        Register(builder, nameof(Intrinsic), nameof(GenerateUnsignedBySigned));
        Register(builder, nameof(SignedIntrinsic), nameof(GenerateSignedBySigned));
        return builder;
    }

    static void Register(Context.Builder builder, string method, string generator)
    {
        var intrinsic = typeof(Dp4a).GetMethod(method, BindingFlags.Public | BindingFlags.Static)!;
        builder.GetIntrinsicManager().RegisterMethod(intrinsic,
            new PTXIntrinsic(typeof(Dp4a), generator, IntrinsicImplementationMode.GenerateCode));
    }

    static void GenerateUnsignedBySigned(PTXBackend backend, PTXCodeGenerator codeGenerator, Value call) =>
        GeneratePtx(UnsignedBySignedInstruction, codeGenerator, call);

    static void GenerateSignedBySigned(PTXBackend backend, PTXCodeGenerator codeGenerator, Value call) =>
        GeneratePtx(SignedBySignedInstruction, codeGenerator, call);

    /// <summary>PTX for one call: the result register, then the two operand registers and the accumulator.</summary>
    static void GeneratePtx(string instruction, PTXCodeGenerator codeGenerator, Value call)
    {
        var codes = codeGenerator.LoadPrimitive(call[0]);
        var x = codeGenerator.LoadPrimitive(call[1]);
        var accumulator = codeGenerator.LoadPrimitive(call[2]);
        var result = codeGenerator.AllocateHardware(call);
        using var command = codeGenerator.BeginCommand(instruction);
        command.AppendArgument(result);
        command.AppendArgument(codes);
        command.AppendArgument(x);
        command.AppendArgument(accumulator);
    }
}
