using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>The shared op suite on ILGPU's CPU accelerator: the same kernels the cuda and opencl backends compile.</summary>
public sealed class IlgpuCpuBackendOpsTests : BackendOpsTests
{
    protected override IComputeBackend CreateBackend() => IlgpuAccelerators.CreateCpuBackend();
}
