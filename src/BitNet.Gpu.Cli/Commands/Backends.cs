using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>The backends this build of the CLI knows; GPU backends register here from their own assemblies.</summary>
public static class Backends
{
    public static BackendRegistry Registry { get; } = Create();

    static BackendRegistry Create()
    {
        var registry = new BackendRegistry();
        registry.Register(new VulkanProvider());
        foreach (var provider in IlgpuBackendProvider.All()) registry.Register(provider);   // cuda, opencl
        return registry;
    }
}
