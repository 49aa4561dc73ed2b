using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The code ILGPU generates for every kernel, without a device: OpenCL C (to check with an offline compiler) and PTX
/// (to check that the CUDA path, dp4a included, compiles). The same code generators run when a real device loads them.
/// </summary>
public static class IlgpuKernelSources
{
    /// <summary>OpenCL C for each kernel, for the least capable device ILGPU accepts: OpenCL C 2.0 (ILGPU emits
    /// work_group_barrier) with the generic address space (ILGPU's accelerator requires it); no subgroups, fp16 or fp64.
    /// As a device builds it: every barrier fences local memory too (<see cref="IlgpuKernelLoader.Prepare"/>).</summary>
    public static IReadOnlyList<(string Name, string Source)> OpenCl()
    {
        using var context = CreateContext();
        var capabilities = new CLCapabilityContext(float16: false, float64: false, genericAddressSpace: true, int64_Atomics: false, subGroups: false);
        using var backend = new CLBackend(context, capabilities, CLDeviceVendor.Other, CLCVersion.CL20);
        return [.. KernelCatalog.All(cuda: false).Select(k => (k.Name, ((CLCompiledKernel)IlgpuKernelLoader.Prepare(Compile(backend, k))).Source))];
    }

    /// <summary>PTX for each kernel, with dp4a and warp-shuffle row sums, for an sm_75 device (PTX ISA 7.5) unless another
    /// architecture and ISA are given (tools/gpu/sass-report.sh asks for sm_90, ISA 7.8).</summary>
    public static IReadOnlyList<(string Name, string Source)> Ptx(CudaArchitecture? architecture = null, CudaInstructionSet? instructionSet = null)
    {
        using var context = CreateContext();
        using var backend = new PTXBackend(context, architecture ?? CudaArchitecture.SM_75, instructionSet ?? CudaInstructionSet.ISA_75, nvvmAPI: null!);
        return [.. KernelCatalog.All(cuda: true).Select(k => (k.Name, ((PTXCompiledKernel)Compile(backend, k)).PTXAssembly))];
    }

    static CompiledKernel Compile(Backend backend, KernelEntry kernel)
    {
        var entry = kernel.ExplicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        try
        {
            return backend.Compile(entry, KernelSpecialization.Empty);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"kernel {kernel.Name}: {(e.InnerException?.InnerException ?? e.InnerException ?? e).Message}", e);
        }
    }

    static Context CreateContext() => Context.Create(builder => builder.CPU(IlgpuAccelerators.SimulatedGpu).EnableAlgorithms().EnableDp4a());
}
