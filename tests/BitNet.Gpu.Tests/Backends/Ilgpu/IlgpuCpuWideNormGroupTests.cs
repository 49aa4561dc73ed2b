using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Kernels.Ilgpu;
using BitNet.Gpu.Tests.Engine.Backends;
using ILGPU.Runtime.CPU;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The norm kernels (RMS norm, activation quantization, and the fused add/gate/attention-combine + norm + quantize) in
/// groups wider than GroupSize, as a GPU runs them: ILGPU's CPU accelerator shaped with 512 threads per group, so each
/// group-wide sum and maximum combines 16 partials (GroupSize groups combine 4), and rows narrower than the group leave
/// threads without an element. The suite's cases for those operations, run by the suite's own method.
/// </summary>
public sealed class IlgpuCpuWideNormGroupTests : IDisposable
{
    const int WideGroup = 512;
    readonly WideGroupSuite _suite = new();

    public void Dispose() => _suite.Dispose();

    public static TheoryData<string> Cases() =>
        new(OperationCases.All().Where(c => c.Operation is "rms_norm" or "quantize" or "add_norm_quantize" or "gate_norm_quantize" or "self_attention").Select(c => c.Name));

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Operation(string name) => _suite.Operation(name);

    [Fact]
    public void TheNormKernels_RunInTheWidestGroupTheDeviceAllows()
    {
        using var wide = CreateWideBackend();
        Assert.Equal(WideGroup, wide.NormGroupSize);
        Assert.Contains($"norm groups of {WideGroup}", wide.DeviceDescription);
        using var standard = IlgpuAccelerators.CreateCpuBackend();
        Assert.Equal(KernelShapes.GroupSize, standard.NormGroupSize);   // the simulated GPU allows no more
    }

    static IlgpuBackend CreateWideBackend() =>
        IlgpuAccelerators.CreateCpuBackend(new CPUDevice(numThreadsPerWarp: KernelShapes.RowTeam, numWarpsPerMultiprocessor: WideGroup / KernelShapes.RowTeam, numMultiprocessors: 1));

    /// <summary>Not public, so xunit does not run the whole suite a second time.</summary>
    sealed class WideGroupSuite : BackendOpsTests
    {
        protected override IComputeBackend CreateBackend()
        {
            var backend = CreateWideBackend();
            Assert.Equal(WideGroup, backend.NormGroupSize);
            return backend;
        }
    }
}
