using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>The shared op suite on the CPU backend with two threads (the multithreaded paths run).</summary>
public class CpuBackendOpsTests : BackendOpsTests
{
    protected override IComputeBackend CreateBackend() => new CpuBackend(threads: 2);

    /// <summary>
    /// Q6_K and Q4_K round x to int8 per 256 values first, as llama.cpp's Q8_K (each value within max|x_b|/254), which
    /// moved an output of this op by up to 4.6e-3 of the largest here; Q6KMatVecTests and Q4KMatVecTests hold the kernels
    /// to that rounding's exact bound. The other types keep x to 16 bits or more.
    /// </summary>
    protected override double DenseTolerance(GgmlType type) => type is GgmlType.Q6_K or GgmlType.Q4_K ? 1e-2 : Tolerance;
}
