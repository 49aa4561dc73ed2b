using BenchmarkDotNet.Attributes;
using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Benchmarks.Kernels;

/// <summary>Per-call overhead of <see cref="KernelThreadPool.For"/> with an empty body (the engine makes ~200 calls per token).</summary>
public class ThreadPoolBenchmarks
{
    [Params(1, 2)]
    public int Threads { get; set; } = 2;

    KernelThreadPool _pool = null!;
    readonly Action<int, int> _empty = (_, _) => { };

    [GlobalSetup]
    public void Setup() => _pool = new KernelThreadPool(Threads);

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark]
    public void EmptyFor() => _pool.For(640, _empty);
}
