using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>The `vulkan` backend for the registry: lists the Vulkan devices and creates a backend on --device N.</summary>
public sealed class VulkanProvider : IBackendProvider
{
    public string Name => "vulkan";
    public IReadOnlyList<BackendDevice> Devices() => VulkanDevices.List();
    public IComputeBackend Create(BackendOptions options) => new VulkanBackend(new VulkanBackendOptions { Device = options.Device, OutputType = options.OutputType });
}
