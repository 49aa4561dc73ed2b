using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Cpu;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>
/// The shared op suite on the CPU backend with two threads (the multithreaded paths run). Q6_K and Q4_K products round x
/// to int8 per 256 values first, as llama.cpp's Q8_K (each value within max|x_b|/254), which moved an output of the dense
/// case by up to 4.6e-3 of the largest; the backend says so (RoundsDenseInput) and the case allows 1e-2. Q6KMatVecTests and
/// Q4KMatVecTests hold the kernels to that rounding's exact bound.
/// </summary>
public class CpuBackendOpsTests : BackendOpsTests
{
    protected override IComputeBackend CreateBackend() => new CpuBackend(threads: 2);
}
