using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>The shared op suite on the Vulkan backend: lavapipe, validation layer on (any warning or error fails the op),
/// ternary products on VK_KHR_shader_integer_dot_product (lavapipe has it, emulated, so it is forced on here).</summary>
public sealed class VulkanBackendOpsTests : BackendOpsTests
{
    protected override string? SkipReason => VulkanTestDevice.SkipReason;

    protected override IComputeBackend CreateBackend()
    {
        var backend = VulkanBackendOpsTestsWithoutIntegerDot.Create(IntegerDotProductUse.WhenSupported);
        Assert.True(backend.UsesIntegerDotProduct, "lavapipe offers VK_KHR_shader_integer_dot_product; the backend did not enable it");
        return backend;
    }
}

/// <summary>The shared op suite on the portable shaders (no integer dot product): lavapipe's default, and devices without the extension.</summary>
public sealed class VulkanBackendOpsTestsWithoutIntegerDot : BackendOpsTests
{
    protected override string? SkipReason => VulkanTestDevice.SkipReason;

    protected override IComputeBackend CreateBackend()
    {
        var backend = Create(IntegerDotProductUse.Never);
        Assert.False(backend.UsesIntegerDotProduct);
        return backend;
    }

    internal static VulkanBackend Create(IntegerDotProductUse integerDotProduct) =>
        VulkanTestDevice.SkipReason is { } reason
            ? throw new InvalidOperationException($"Vulkan is not available here: {reason}")
            : VulkanTestDevice.CreateBackend(integerDotProduct: integerDotProduct);
}
