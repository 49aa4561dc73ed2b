using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The matrix products with row sums through shared memory, the path OpenCL devices run (the CPU accelerator
/// otherwise uses warp shuffles like CUDA): the suite's reduction cases (products, norms, attention), run by the suite's own method.
/// </summary>
public sealed class IlgpuCpuSharedMemoryReductionTests : IDisposable
{
    readonly SharedMemorySuite _suite = new();

    public void Dispose() => _suite.Dispose();

    public static TheoryData<string> Cases() =>
        new(OperationCases.All().Where(c => c.Operation is "ternary" or "ternary q/k/v" or "dense" or "rms_norm" or "attention" && !c.ManySequences).Select(c => c.Name));

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Operation(string name) => _suite.Operation(name);

    /// <summary>Not public, so xunit does not run the whole suite a second time.</summary>
    sealed class SharedMemorySuite : BackendOpsTests
    {
        protected override IComputeBackend CreateBackend()
        {
            var backend = IlgpuAccelerators.CreateCpuBackend(portableReductions: true);
            Assert.DoesNotContain("warp shuffles", backend.DeviceDescription);
            return backend;
        }
    }
}
