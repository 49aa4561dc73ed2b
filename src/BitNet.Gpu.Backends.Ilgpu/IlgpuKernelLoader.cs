using System.Linq.Expressions;
using System.Reflection;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using BitNet.Gpu.Backends.Ilgpu.StepGraphs;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// Compiles and loads kernels on one accelerator as ILGPU's LoadKernel does, with one step between code generation and
/// the driver's build: OpenCL C gets its barriers fenced for local memory (<see cref="OpenClBarriers"/>).
/// Every launcher it returns counts its launches in <paramref name="launches"/> and, with <paramref name="capture"/>,
/// adds its launches to the step being recorded for a step graph.
/// </summary>
sealed class IlgpuKernelLoader(Accelerator accelerator, LaunchCounter launches, StepCapture? capture = null)
{
    /// <summary>A compiled kernel's entry point, which a rebuilt CLCompiledKernel needs; ILGPU keeps the property internal.</summary>
    static readonly PropertyInfo EntryPointProperty = typeof(CompiledKernel).GetProperty("EntryPoint", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingMemberException(nameof(CompiledKernel), "EntryPoint");

    /// <summary>The launcher of <paramref name="kernel"/>: <c>Action&lt;AcceleratorStream, KernelConfig, …&gt;</c> for a kernel
    /// that sizes its own groups, <c>Action&lt;AcceleratorStream, Index1D/2D, …&gt;</c> for one ILGPU groups.</summary>
    public TLauncher Load<TLauncher>(Delegate kernel) where TLauncher : Delegate => Load<TLauncher>(kernel, out _);

    /// <summary>As <see cref="Load{TLauncher}(Delegate)"/>, with the loaded kernel for questions about its launch limits.</summary>
    public TLauncher Load<TLauncher>(Delegate kernel, out Kernel loadedKernel) where TLauncher : Delegate
    {
        bool explicitlyGrouped = typeof(TLauncher).GenericTypeArguments is [_, var config, ..] && config == typeof(KernelConfig);
        var entry = explicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(kernel.Method);
        var compiled = Prepare(accelerator.GetBackend().Compile(entry, KernelSpecialization.Empty));
        var loaded = explicitlyGrouped ? accelerator.LoadKernel(compiled) : accelerator.LoadAutoGroupedKernel(compiled);
        loadedKernel = loaded;
        return Counted(loaded.CreateLauncherDelegate<TLauncher>(), KernelName(kernel.Method));
    }

    /// <summary>
    /// The launcher wrapped: it counts each call, logs its arguments while the counter keeps a log, and adds the launch to
    /// the step being recorded for a step graph:
    /// <code>
    /// launches.Add(); if (launches.Log != null) launches.Record(name, args);
    /// if (capture.Recording) capture.Add(new(name, () => launcher(args)));
    /// launcher(args);
    /// </code>
    /// </summary>
    TLauncher Counted<TLauncher>(TLauncher launcher, string name) where TLauncher : Delegate
    {
        var parameters = typeof(TLauncher).GetMethod("Invoke")!.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var counter = Expression.Constant(launches);
        var launch = Expression.Invoke(Expression.Constant(launcher), parameters);
        var log = Expression.IfThen(
            Expression.NotEqual(Expression.Property(counter, nameof(LaunchCounter.Log)), Expression.Constant(null, typeof(List<(string, object?[])>))),
            Expression.Call(counter, typeof(LaunchCounter).GetMethod(nameof(LaunchCounter.Record))!, Expression.Constant(name),
                Expression.NewArrayInit(typeof(object), parameters.Select(p => Expression.Convert(p, typeof(object))))));
        var body = new List<Expression> { Expression.Call(counter, typeof(LaunchCounter).GetMethod(nameof(LaunchCounter.Add))!), log };
        if (capture is not null)
        {
            var c = Expression.Constant(capture);
            var recorded = Expression.New(typeof(RecordedLaunch).GetConstructors().Single(), Expression.Constant(name), Expression.Lambda<Action>(launch));
            body.Add(Expression.IfThen(Expression.Property(c, nameof(StepCapture.Recording)), Expression.Call(c, nameof(StepCapture.Add), null, recorded)));
        }
        body.Add(launch);
        return Expression.Lambda<TLauncher>(Expression.Block(body), parameters).Compile();
    }

    static string KernelName(MethodInfo method) =>
        method.IsGenericMethod ? $"{method.Name}<{string.Join(", ", method.GetGenericArguments().Select(t => t.Name))}>" : method.Name;

    /// <summary>The kernel as the driver should build it: OpenCL C with every barrier fencing local memory; others unchanged.</summary>
    public static CompiledKernel Prepare(CompiledKernel compiled) => compiled is CLCompiledKernel cl
        ? new CLCompiledKernel(cl.Context, (SeparateViewEntryPoint)EntryPointProperty.GetValue(cl)!, cl.Info, OpenClBarriers.FenceLocalMemory(cl.Source), cl.CVersion)
        : compiled;
}
