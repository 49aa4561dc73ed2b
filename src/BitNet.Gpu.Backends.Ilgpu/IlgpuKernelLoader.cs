using System.Linq.Expressions;
using System.Reflection;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// Compiles and loads kernels on one accelerator as ILGPU's LoadKernel does, with one step between code generation and
/// the driver's build: OpenCL C gets its barriers fenced for local memory (<see cref="OpenClBarriers"/>).
/// Every launcher it returns counts its launches in <paramref name="launches"/>.
/// </summary>
sealed class IlgpuKernelLoader(Accelerator accelerator, LaunchCounter launches)
{
    /// <summary>A compiled kernel's entry point, which a rebuilt CLCompiledKernel needs; ILGPU keeps the property internal.</summary>
    static readonly PropertyInfo EntryPointProperty = typeof(CompiledKernel).GetProperty("EntryPoint", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingMemberException(nameof(CompiledKernel), "EntryPoint");

    /// <summary>The launcher of <paramref name="kernel"/>: <c>Action&lt;AcceleratorStream, KernelConfig, …&gt;</c> for a kernel
    /// that sizes its own groups, <c>Action&lt;AcceleratorStream, Index1D/2D, …&gt;</c> for one ILGPU groups.</summary>
    public TLauncher Load<TLauncher>(Delegate kernel) where TLauncher : Delegate
    {
        bool explicitlyGrouped = typeof(TLauncher).GenericTypeArguments is [_, var config, ..] && config == typeof(KernelConfig);
        var entry = explicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        var compiled = Prepare(accelerator.GetBackend().Compile(entry, KernelSpecialization.Empty));
        var loaded = explicitlyGrouped ? accelerator.LoadKernel(compiled) : accelerator.LoadAutoGroupedKernel(compiled);
        return Counted(loaded.CreateLauncherDelegate<TLauncher>());
    }

    /// <summary>The launcher with a count of its calls in front: (args) => { launches.Add(); launcher(args); }.</summary>
    TLauncher Counted<TLauncher>(TLauncher launcher) where TLauncher : Delegate
    {
        var parameters = typeof(TLauncher).GetMethod("Invoke")!.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var body = Expression.Block(
            Expression.Call(Expression.Constant(launches), typeof(LaunchCounter).GetMethod(nameof(LaunchCounter.Add))!),
            Expression.Invoke(Expression.Constant(launcher), parameters));
        return Expression.Lambda<TLauncher>(body, parameters).Compile();
    }

    /// <summary>The kernel as the driver should build it: OpenCL C with every barrier fencing local memory; others unchanged.</summary>
    public static CompiledKernel Prepare(CompiledKernel compiled) => compiled is CLCompiledKernel cl
        ? new CLCompiledKernel(cl.Context, (SeparateViewEntryPoint)EntryPointProperty.GetValue(cl)!, cl.Info, OpenClBarriers.FenceLocalMemory(cl.Source), cl.CVersion)
        : compiled;
}
