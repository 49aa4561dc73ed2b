using BenchmarkDotNet.Attributes;
using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;

namespace BitNet.Gpu.Benchmarks.Ilgpu;

/// <summary>
/// Each ILGPU kernel through the backend, synchronized after every launch. On a CUDA device the shapes are
/// BitNet b1.58 2B4T's (hidden 2560, feed-forward 6912, 20 heads of 128 over 5 KV heads, vocabulary 128,256);
/// without one they run on ILGPU's CPU accelerator at a toy size (hidden 128, feed-forward 256, vocabulary 512, 64
/// cached positions): that simulator runs every thread of a group as an OS thread and pays milliseconds per group
/// barrier, so it checks the launch path, not GPU speed.
/// Run: dotnet run -c Release --project benchmarks/BitNet.Gpu.Benchmarks -- --filter '*IlgpuKernel*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class IlgpuKernelBenchmarks
{
    IlgpuBackend _backend = null!;
    BenchmarkWeightFile _weights = null!;
    DeviceWeight _ternary = null!, _output = null!, _norm = null!;
    DeviceBuffer _hidden = null!, _hiddenBatch = null!, _quantized = null!, _quantizedBatch = null!, _up = null!, _upBatch = null!,
                 _gate = null!, _logits = null!, _q = null!, _k = null!, _v = null!, _attention = null!;
    KvCache _cache = null!;
    int _hiddenSize, _feedForward, _heads, _kvHeads, _headDim;

    /// <summary>Tokens in the prompt-batch benchmarks.</summary>
    const int Batch = 8;

    /// <summary>Cached positions the generation attention runs over.</summary>
    int _position;

    [GlobalSetup]
    public void Setup()
    {
        bool cuda = IlgpuAccelerators.Devices(IlgpuDeviceKind.Cuda).Count > 0;
        _backend = cuda ? IlgpuAccelerators.CreateBackend(IlgpuDeviceKind.Cuda, 0) : IlgpuAccelerators.CreateCpuBackend();
        (_hiddenSize, _feedForward, int vocab, _heads, _kvHeads, _headDim, _position) =
            cuda ? (2560, 6912, 128_256, 20, 5, 128, 1024) : (128, 256, 512, 2, 1, 64, 64);
        Console.WriteLine($"// ILGPU device: {_backend.DeviceDescription}");

        _weights = new BenchmarkWeightFile(_hiddenSize, _feedForward, vocab);
        _ternary = _backend.UploadTernary(_weights.File, _weights.File.GetTensor("ffn_up.weight"));
        _output = _backend.UploadDense(_weights.File, _weights.File.GetTensor("output.weight"));
        _norm = _backend.UploadVector(_weights.File, _weights.File.GetTensor("norm.weight"));

        _hidden = Filled(1, _hiddenSize);
        _hiddenBatch = Filled(Batch, _hiddenSize);
        _quantized = _backend.AllocateQuantized(1, _hiddenSize);
        _quantizedBatch = _backend.AllocateQuantized(Batch, _hiddenSize);
        _up = Filled(1, _feedForward);
        _upBatch = Filled(Batch, _feedForward);
        _gate = Filled(1, _feedForward);
        _logits = _backend.AllocateActivations(1, vocab);
        _q = Filled(1, _heads * _headDim);
        _k = Filled(1, _kvHeads * _headDim);
        _v = Filled(1, _kvHeads * _headDim);
        _attention = _backend.AllocateActivations(1, _heads * _headDim);
        _cache = _backend.AllocateKvCache(1, 1, _position + 1, _kvHeads, _headDim, KvCacheType.F32);

        _backend.BeginStep(new int[Batch], _position);
        _backend.QuantizeActivations(_hidden, _quantized, 1);
        _backend.QuantizeActivations(_hiddenBatch, _quantizedBatch, Batch);
        _backend.Synchronize();
    }

    DeviceBuffer Filled(int rows, int cols)
    {
        var random = new Random(rows * 31 + cols);
        var buffer = _backend.AllocateActivations(rows, cols);
        _backend.Write(buffer, rows, Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        return buffer;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _backend.Dispose();
        _weights.Dispose();
    }

    [Benchmark(Description = "ternary matvec (ffn_up, 1 token)")]
    public void TernaryMatVec() { _backend.TernaryMatMul(_ternary, _quantized, _up, 1); _backend.Synchronize(); }

    [Benchmark(Description = "ternary matmat (ffn_up, 8 tokens)")]
    public void TernaryMatMat() { _backend.TernaryMatMul(_ternary, _quantizedBatch, _upBatch, Batch); _backend.Synchronize(); }

    [Benchmark(Description = "quantize activations (1 token)")]
    public void Quantize() { _backend.QuantizeActivations(_hidden, _quantized, 1); _backend.Synchronize(); }

    [Benchmark(Description = "rms norm (8 tokens, in place)")]
    public void RmsNorm() { _backend.RmsNorm(_hiddenBatch, _norm, _hiddenBatch, Batch, 1e-5f); _backend.Synchronize(); }

    [Benchmark(Description = "rope (q, 1 token)")]
    public void Rope() { _backend.Rope(_q, 1, _heads, _headDim, _headDim, 500000f, RopeStyle.Neox); _backend.Synchronize(); }

    [Benchmark(Description = "attention (1 token over the cache)")]
    public void Attention() { _backend.Attention(_q, _k, _v, _cache, 0, _attention, 1, _heads, _kvHeads, _headDim); _backend.Synchronize(); }

    [Benchmark(Description = "relu² · up (1 token)")]
    public void Gate() { _backend.GateActivation(_gate, _up, 1, GateActivation.ReluSquared); _backend.Synchronize(); }

    [Benchmark(Description = "residual add (8 tokens)")]
    public void Add() { _backend.Add(_hiddenBatch, _hiddenBatch, Batch); _backend.Synchronize(); }

    [Benchmark(Description = "embedding lookup (8 tokens)")]
    public void Embed() { _backend.Embed(_output, _hiddenBatch, Batch); _backend.Synchronize(); }

    [Benchmark(Description = "F16 output projection (1 token)")]
    public void OutputProjection() { _backend.DenseMatMul(_output, _hidden, _logits, 1); _backend.Synchronize(); }

    [Benchmark(Description = "copy row")]
    public void CopyRow() { _backend.CopyRow(_hiddenBatch, Batch - 1, _hidden, 0); _backend.Synchronize(); }
}
