using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The shared op suite on the first CUDA device (dp4a kernels on sm_61+), skipped with a visible reason where no CUDA
/// device or driver exists. xunit v2 fixes a test's skip at discovery, so each suite test is restated here with
/// <see cref="CudaTheoryAttribute"/> and runs the suite's own method.
/// </summary>
public sealed class IlgpuCudaBackendOpsTests : IDisposable
{
    readonly CudaSuite _suite = new();

    public void Dispose() => _suite.Dispose();

    [CudaTheory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q6_K)]
    public void Embed(GgmlType type) => _suite.Embed(type);

    [CudaTheory]
    [InlineData(3, 200, false)]
    [InlineData(5, 2560, true)]
    public void RmsNorm(int rows, int cols, bool inPlace) => _suite.RmsNorm(rows, cols, inPlace);

    [CudaTheory]
    [InlineData(4, 333)]
    [InlineData(2, 6912)]
    public void QuantizeActivations_MatchesBitNetRuleExactly(int rows, int cols) => _suite.QuantizeActivations_MatchesBitNetRuleExactly(rows, cols);

    [CudaTheory]
    [InlineData(GgmlType.I2_S, 67, 384, 1)]
    [InlineData(GgmlType.I2_S, 131, 2560, 5)]
    [InlineData(GgmlType.TQ2_0, 67, 512, 1)]
    [InlineData(GgmlType.TQ2_0, 9, 768, 7)]
    [InlineData(GgmlType.TQ1_0, 33, 768, 1)]
    [InlineData(GgmlType.TQ1_0, 70, 256, 4)]
    public void TernaryMatMul(GgmlType type, int rows, int cols, int tokens) => _suite.TernaryMatMul(type, rows, cols, tokens);

    [CudaTheory]
    [InlineData(GgmlType.F16, 301, 256, 1)]
    [InlineData(GgmlType.F16, 77, 2560, 3)]
    [InlineData(GgmlType.F32, 50, 96, 2)]
    [InlineData(GgmlType.BF16, 50, 96, 1)]
    [InlineData(GgmlType.Q8_0, 41, 512, 2)]
    [InlineData(GgmlType.Q6_K, 41, 512, 1)]
    public void DenseMatMul(GgmlType type, int rows, int cols, int tokens) => _suite.DenseMatMul(type, rows, cols, tokens);

    [CudaTheory]
    [InlineData(RopeStyle.Neox, 3, 64, 64, 7)]
    [InlineData(RopeStyle.Neox, 5, 128, 128, 4000)]
    [InlineData(RopeStyle.Interleaved, 3, 64, 64, 7)]
    [InlineData(RopeStyle.Interleaved, 2, 64, 32, 100)]
    public void Rope(RopeStyle style, int heads, int headDim, int ropeDims, int startPosition) =>
        _suite.Rope(style, heads, headDim, ropeDims, startPosition);

    [CudaTheory]
    [InlineData(4, 2, 32)]
    [InlineData(20, 5, 128)]
    [InlineData(3, 3, 64)]
    public void Attention_OverSeveralStepsOfTheCache(int heads, int kvHeads, int headDim) =>
        _suite.Attention_OverSeveralStepsOfTheCache(heads, kvHeads, headDim);

    [CudaTheory]
    [InlineData(GateActivation.ReluSquared)]
    [InlineData(GateActivation.Silu)]
    public void GateActivationTimesUp(GateActivation activation) => _suite.GateActivationTimesUp(activation);

    [CudaFact]
    public void AddAndCopyRow() => _suite.AddAndCopyRow();

    /// <summary>Not public, so xunit does not run the suite's own (unskippable) tests a second time.</summary>
    sealed class CudaSuite : BackendOpsTests
    {
        protected override IComputeBackend CreateBackend() => IlgpuAccelerators.CreateBackend(IlgpuDeviceKind.Cuda, 0);
    }
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
