using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Engine.Backends.Cpu;

/// <summary>
/// A weight on the CPU backend: a packed ternary matrix (2 bits per weight, unpacked on the fly by the kernels),
/// an F16 matrix (in large pages, or in place in the mapped file when <see cref="OwnsF16"/> is false), or floats for the
/// other dense types and norms.
/// </summary>
internal sealed unsafe class CpuWeight : DeviceWeight
{
    public TernaryMatrix? Ternary { get; init; }
    public Half* F16 { get; init; }            // rows × cols
    public bool OwnsF16 { get; init; }         // F16 came from LargePageMemory.Allocate
    public float[]? Floats { get; init; }      // rows × cols

    public ReadOnlySpan<Half> F16Span => new(F16, Rows * Cols);

    public override void Dispose()
    {
        Ternary?.Dispose();
        if (OwnsF16 && F16 != null) LargePageMemory.Free(F16);
    }
}

/// <summary>Activations [rows × cols] with their int8 quantization and per-row scales.</summary>
internal sealed class CpuBuffer : DeviceBuffer
{
    public CpuBuffer(int rows, int cols, bool quantized)
    {
        Rows = rows;
        Cols = cols;
        Values = quantized ? [] : new float[(long)rows * cols];
        Quantized = quantized ? new sbyte[(long)rows * cols] : [];
        Scales = quantized ? new float[rows] : [];
    }

    public float[] Values { get; }
    public sbyte[] Quantized { get; }
    public float[] Scales { get; }

    public Span<float> Row(int t) => Values.AsSpan(t * Cols, Cols);
    public Span<float> FirstRows(int count) => Values.AsSpan(0, count * Cols);
}

/// <summary>The kernels' float KV cache: per layer kvHeads × contextLength × headDim keys and values.</summary>
internal sealed class CpuKvCache : KvCache
{
    public CpuKvCache(int layers, int contextLength, int keyValueHeads, int headDim)
    {
        Layers = layers;
        ContextLength = contextLength;
        KeyValueHeads = keyValueHeads;
        HeadDim = headDim;
        Cache = new Kernels.Cpu.KvCache(layers, keyValueHeads, contextLength, headDim);
    }

    public Kernels.Cpu.KvCache Cache { get; }
}
