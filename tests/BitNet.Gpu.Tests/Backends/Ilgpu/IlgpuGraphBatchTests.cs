using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Tests.Engine.Graph;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// Several sequences in one step on ILGPU's CPU accelerator (the kernels CUDA and OpenCL run): each sequence's greedy
/// tokens and logits as when it is decoded alone, on the synthetic models of every architecture, with the f16 KV cache
/// the GPU backends use by default.
/// </summary>
public sealed class IlgpuGraphBatchTests : GraphBatchTests
{
    protected override string Backend => "ilgpu-cpu";
    protected override KvCacheType CacheType => KvCacheType.F16;
    protected override string? BundledModelSkipReason =>
        "the CPU accelerator takes tens of minutes for the bundled model's requests; the synthetic models cover the batch here";

    protected override BackendRegistry Registry { get; } = CreateRegistry();

    static BackendRegistry CreateRegistry()
    {
        var registry = new BackendRegistry();
        registry.Register(new BackendRegistry.DelegateProvider("ilgpu-cpu",
            () => [new BackendDevice("ilgpu-cpu", 0, "ILGPU CPU accelerator", "")],
            _ => IlgpuAccelerators.CreateCpuBackend(portableReductions: true)));
        return registry;
    }
}
