using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>The shared op suite on the Vulkan backend: lavapipe, validation layer on (any warning or error fails the op).</summary>
public sealed class VulkanBackendOpsTests : BackendOpsTests
{
    protected override IComputeBackend CreateBackend() =>
        VulkanTestDevice.SkipReason is { } reason
            ? throw new InvalidOperationException($"Vulkan is not available here: {reason}")
            : VulkanTestDevice.CreateBackend();
}
