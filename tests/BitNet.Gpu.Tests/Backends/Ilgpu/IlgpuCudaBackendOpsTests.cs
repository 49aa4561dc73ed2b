using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The shared op suite on the first CUDA device (dp4a kernels on sm_61+), skipped with a visible reason where no CUDA
/// device or driver exists.
/// </summary>
public sealed class IlgpuCudaBackendOpsTests : BackendOpsTests
{
    protected override string? SkipReason => CudaPresence.SkipReason;
    protected override IComputeBackend CreateBackend() => IlgpuAccelerators.CreateBackend(IlgpuDeviceKind.Cuda, 0);
}

/// <summary>Why CUDA tests are skipped here, or null when a CUDA device is present.</summary>
static class CudaPresence
{
    public static readonly string? SkipReason = IlgpuAccelerators.Devices(IlgpuDeviceKind.Cuda).Count > 0
        ? null
        : "no CUDA device or driver on this machine (the same kernels run on ILGPU's CPU accelerator in IlgpuCpuBackendOpsTests)";
}

/// <summary>A fact that runs only where a CUDA device exists, and otherwise shows why it was skipped.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute() => Skip = CudaPresence.SkipReason;
}

/// <summary>A theory that runs only where a CUDA device exists, and otherwise shows why it was skipped.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute() => Skip = CudaPresence.SkipReason;
}
