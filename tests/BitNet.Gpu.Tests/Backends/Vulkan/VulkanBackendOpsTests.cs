using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>The shared op suite on the Vulkan backend: lavapipe, validation layer on (any warning or error fails the op),
/// ternary products on VK_KHR_shader_integer_dot_product (lavapipe has it, emulated, so it is forced on here), reductions
/// on subgroup arithmetic (lavapipe reports it for compute shaders).</summary>
public sealed class VulkanBackendOpsTests : BackendOpsTests
{
    protected override string? SkipReason => VulkanTestDevice.SkipReason;

    protected override IComputeBackend CreateBackend()
    {
        var backend = VulkanBackendOpsTestsWithoutIntegerDot.Create(IntegerDotProductUse.WhenSupported);
        Assert.True(backend.UsesIntegerDotProduct, "lavapipe offers VK_KHR_shader_integer_dot_product; the backend did not enable it");
        Assert.True(backend.UsesSubgroupReductions, "lavapipe reports subgroup arithmetic in compute shaders; the backend did not use it");
        return backend;
    }
}

/// <summary>The shared op suite on the portable shaders (no integer dot product, reductions through shared memory, not
/// subgroup arithmetic): devices without either.</summary>
public sealed class VulkanBackendOpsTestsWithoutIntegerDot : BackendOpsTests
{
    protected override string? SkipReason => VulkanTestDevice.SkipReason;

    protected override IComputeBackend CreateBackend()
    {
        var backend = Create(IntegerDotProductUse.Never, subgroupReductions: false);
        Assert.False(backend.UsesIntegerDotProduct);
        Assert.False(backend.UsesSubgroupReductions);
        return backend;
    }

    internal static VulkanBackend Create(IntegerDotProductUse integerDotProduct, bool subgroupReductions = true) =>
        VulkanTestDevice.SkipReason is { } reason
            ? throw new InvalidOperationException($"Vulkan is not available here: {reason}")
            : VulkanTestDevice.CreateBackend(integerDotProduct: integerDotProduct, subgroupReductions: subgroupReductions);
}
