using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The matrix products with row sums through shared memory, the path OpenCL devices run (the CPU accelerator
/// otherwise uses warp shuffles like CUDA): the suite's matrix-product cases, run by the suite's own methods.
/// </summary>
public sealed class IlgpuCpuSharedMemoryReductionTests : IDisposable
{
    readonly SharedMemorySuite _suite = new();

    public void Dispose() => _suite.Dispose();

    [Theory]
    [InlineData(GgmlType.I2_S, 67, 384, 1)]
    [InlineData(GgmlType.TQ2_0, 9, 768, 7)]
    [InlineData(GgmlType.TQ1_0, 70, 256, 4)]
    public void TernaryMatMul(GgmlType type, int rows, int cols, int tokens) => _suite.TernaryMatMul(type, rows, cols, tokens);

    [Theory]
    [InlineData(GgmlType.F16, 301, 256, 1)]
    [InlineData(GgmlType.F32, 50, 96, 2)]
    public void DenseMatMul(GgmlType type, int rows, int cols, int tokens) => _suite.DenseMatMul(type, rows, cols, tokens);

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
