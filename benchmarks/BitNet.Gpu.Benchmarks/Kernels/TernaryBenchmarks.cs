using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Benchmarks.Kernels;

/// <summary>
/// Ternary matvec (generation) and matmul (prompt, 128 tokens) at BitNet b1.58 2B4T shapes, per-tensor scale (I2_S).
/// Several copies of the matrix (≥ 128 MB in all) are used in turn so weights come from DRAM, not the 32 MB L3.
/// GB/s column = packed weight bytes (rows × cols / 4) / time.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class TernaryBenchmarks : IWeightBytes
{
    const long MinTotalBytes = 128L << 20;
    const int PromptTokens = 128;

    [Params("2560x2560", "640x2560", "6912x2560", "2560x6912")]
    public string Shape { get; set; } = "2560x2560";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    TernaryMatrix[] _copies = [];
    int _next;
    KernelThreadPool _pool = null!;
    sbyte[] _q = [];
    float[] _y = [];
    float[] _scales = [];

    (int Rows, int Cols) Dimensions => Shape.Split('x') is [var r, var c] ? (int.Parse(r), int.Parse(c)) : throw new FormatException(Shape);

    [GlobalSetup]
    public void Setup()
    {
        var (rows, cols) = Dimensions;
        var random = new Random(1);
        var values = new sbyte[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = (sbyte)random.Next(-1, 2);
        int copies = (int)Math.Max(1, MinTotalBytes / (rows * (long)cols / 4));
        _copies = Enumerable.Range(0, copies).Select(_ => TernaryMatrix.FromTernary(values, rows, cols, [0.8f], cols)).ToArray();
        _pool = new KernelThreadPool(Threads);
        _q = new sbyte[PromptTokens * cols];
        for (int i = 0; i < _q.Length; i++) _q[i] = (sbyte)random.Next(-128, 128);
        _y = new float[PromptTokens * rows];
        _scales = Enumerable.Repeat(12.5f, PromptTokens).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var m in _copies) m.Dispose();
        _pool.Dispose();
    }

    TernaryMatrix NextCopy() => _copies[_next = (_next + 1) % _copies.Length];

    [Benchmark]
    public void MatVec()
    {
        var w = NextCopy();
        TernaryMatVec.Multiply(w, _q.AsSpan(0, w.Cols), 12.5f, _y.AsSpan(0, w.Rows), _pool);
    }

    /// <summary>128 tokens at once (per token: divide the time by 128).</summary>
    [Benchmark]
    public void MatMul128()
    {
        var w = NextCopy();
        TernaryMatMul.Multiply(w, _q, _scales, _y, _pool);
    }

    public long WeightBytesPerInvocation(BenchmarkCase benchmarkCase)
    {
        var (rows, cols) = Dimensions;
        return (long)rows * cols / 4;
    }
}
