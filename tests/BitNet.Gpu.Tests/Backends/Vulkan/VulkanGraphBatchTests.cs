using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Tests.Engine.Graph;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// Several sequences in one step on Vulkan (lavapipe, validation on): each sequence's greedy tokens and logits as when
/// it is decoded alone, on the synthetic models of every architecture, with the f16 KV cache the GPU backends use by
/// default.
/// </summary>
public sealed class VulkanGraphBatchTests : GraphBatchTests
{
    protected override string Backend => "vulkan";
    protected override string? SkipReason => VulkanTestDevice.SkipReason;
    protected override KvCacheType CacheType => KvCacheType.F16;
    protected override string? BundledModelSkipReason =>
        "lavapipe with validation takes tens of minutes for the bundled model's requests; the synthetic models cover the batch here";

    protected override BackendRegistry Registry { get; } = VulkanTestDevice.Registry();

}
