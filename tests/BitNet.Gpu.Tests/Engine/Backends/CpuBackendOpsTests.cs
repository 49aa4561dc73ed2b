using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Cpu;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>The shared op suite on the CPU backend with two threads (the multithreaded paths run).</summary>
public class CpuBackendOpsTests : BackendOpsTests
{
    protected override IComputeBackend CreateBackend() => new CpuBackend(threads: 2);
}
