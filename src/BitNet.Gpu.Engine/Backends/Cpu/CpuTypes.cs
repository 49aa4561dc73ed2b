using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Engine.Backends.Cpu;

/// <summary>
/// A weight on the CPU backend: a packed ternary matrix (2 bits per weight, unpacked on the fly by the kernels),
/// an F16 matrix read in place from the mapped model file, a quantized matrix (<see cref="IQuantizedMatrix"/>:
/// Q8_0 as int8 codes with block scales, Q6_K and Q4_K as their super-blocks), or floats for the other dense types and norms.
/// </summary>
internal sealed unsafe class CpuWeight : DeviceWeight
{
    public TernaryMatrix? Ternary { get; init; }
    public Half* F16 { get; init; }            // rows × cols, in the mapped model file
    /// <summary>Keeps the model file mapped while <see cref="F16"/> points into it.</summary>
    public IDisposable? F16Mapping { get; init; }
    public float[]? Floats { get; init; }      // rows × cols
    public IQuantizedMatrix? Quantized { get; init; } // Q8_0, Q6_K or Q4_K

    public ReadOnlySpan<Half> F16Span => new(F16, Rows * Cols);

    /// <summary>
    /// The int8 screen of the F16 matrix for products that only need the largest rows (<see cref="ScreenedF16MatVec"/>),
    /// made on first use: only the output projection needs it, and only when sampling with top-k or greedily.
    /// Null before that, or when the matrix has no screen (not F16, or a weight is not finite).
    /// </summary>
    public ScreenedF16MatVec? Screen { get; private set; }
    bool _screenTried;

    public ScreenedF16MatVec? GetOrCreateScreen(KernelThreadPool pool)
    {
        if (!_screenTried && F16 != null)
        {
            _screenTried = true;
            Screen = ScreenedF16MatVec.Create(F16Span, Rows, Cols, pool);
        }
        return Screen;
    }

    bool _disposed;

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Ternary?.Dispose();
        Quantized?.Dispose();
        Screen?.Dispose();
        F16Mapping?.Dispose();
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

/// <summary>
/// The kernels' KV cache (float or f16): per layer kvHeads × (sequences·contextLength) × headDim keys and values, a
/// sequence's positions being the rows [sequence·contextLength, (sequence + 1)·contextLength).
/// </summary>
internal sealed class CpuKvCache : KvCache
{
    public CpuKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type)
    {
        Layers = layers;
        Sequences = sequences;
        ContextLength = contextLength;
        KeyValueHeads = keyValueHeads;
        HeadDim = headDim;
        Type = type;
        var element = type switch
        {
            KvCacheType.F32 => Kernels.Cpu.KvCacheElement.Single,
            KvCacheType.F16 => Kernels.Cpu.KvCacheElement.Half,
            _ => throw new NotSupportedException($"the cpu backend has no {type} KV cache"),
        };
        Cache = new Kernels.Cpu.KvCache(layers, keyValueHeads, checked(sequences * contextLength), headDim, element);
    }

    /// <summary>The cache row of a sequence's position 0.</summary>
    public int FirstRow(int sequence) => sequence * ContextLength;

    public Kernels.Cpu.KvCache Cache { get; }

    public override void Dispose() => Cache.Dispose();
}
