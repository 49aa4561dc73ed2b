using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Benchmarks.Kernels;

/// <summary>
/// The tied output projection of 2B4T: F16 128256 × 2560 (656 MB, far beyond the caches) × one f32 vector.
/// GB/s column = rows × cols × 2 bytes / time.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class F16Benchmarks : IWeightBytes
{
    const int Rows = 128256, Cols = 2560;

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    Half[] _w = [];
    float[] _x = [];
    float[] _y = [];
    KernelThreadPool _pool = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _w = new Half[(long)Rows * Cols];
        for (int i = 0; i < _w.Length; i++) _w[i] = (Half)(random.NextDouble() * 0.1 - 0.05);
        _x = Enumerable.Range(0, Cols).Select(_ => (float)random.NextDouble()).ToArray();
        _y = new float[Rows];
        _pool = new KernelThreadPool(Threads);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark]
    public void OutputProjection() => F16MatVec.Multiply(_w, Rows, Cols, _x, _y, _pool);

    public long WeightBytesPerInvocation(BenchmarkCase benchmarkCase) => (long)Rows * Cols * 2;
}
