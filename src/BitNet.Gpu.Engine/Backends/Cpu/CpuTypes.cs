using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Engine.Backends.Cpu;

/// <summary>
/// A weight on the CPU backend: a packed ternary matrix (2 bits per weight, unpacked on the fly by the kernels),
/// an F16 matrix read in place from the mapped model file (copied into large pages for full products), a quantized matrix (<see cref="IQuantizedMatrix"/>:
/// Q8_0 as int8 codes with block scales, Q6_K and Q4_K as their super-blocks), or floats for the other dense types and norms.
/// </summary>
internal sealed unsafe class CpuWeight : DeviceWeight
{
    public TernaryMatrix? Ternary { get; init; }
    /// <summary>rows × cols: in the mapped model file, or in large pages once <see cref="F16ForFullProduct"/> copied it.</summary>
    public Half* F16 { get => _f16; init => _f16 = value; }
    /// <summary>Keeps the model file mapped while <see cref="F16"/> points into it.</summary>
    public IDisposable? F16Mapping { get => _f16Mapping; init => _f16Mapping = value; }
    Half* _f16;
    IDisposable? _f16Mapping;
    public float[]? Floats { get; init; }      // rows × cols
    public IQuantizedMatrix? Quantized { get; init; } // Q8_0, Q6_K or Q4_K

    public ReadOnlySpan<Half> F16Span => new(F16, Rows * Cols);

    /// <summary>Whether the F16 matrix holds a subnormal half (looked at once; a trained matrix shows one in its first rows),
    /// which decides how <see cref="F16MatMul"/> converts it.</summary>
    public bool F16HasSubnormals => _f16HasSubnormals ??= F16 != null && HalfConversion.HasSubnormal(F16Span);
    bool? _f16HasSubnormals;

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

    /// <summary>
    /// The F16 matrix for a product over every row. Read in place, a load costs nothing but each product walks the file's
    /// 4 KiB pages; in large pages generation with every logit was measured ~10% faster (benchmarks/README.md). So the
    /// first full product copies the matrix there (~0.7 s for 2B4T's 0.66 GB), while a top-k sampler (the screen reads a
    /// few rows) and the embedding lookup keep reading the mapping and never pay for the copy.
    /// </summary>
    public ReadOnlySpan<Half> F16ForFullProduct()
    {
        if (_f16Mapping is not null && _f16 != null)
        {
            long bytes = (long)Rows * Cols * sizeof(Half);
            var copy = (Half*)LargePageMemory.Allocate(bytes);
            Buffer.MemoryCopy(_f16, copy, bytes, bytes);
            _f16 = copy;
            _f16Mapping.Dispose();
            _f16Mapping = null;
        }
        return F16Span;
    }

    bool _disposed;

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Ternary?.Dispose();
        Quantized?.Dispose();
        Screen?.Dispose();
        if (_f16Mapping is not null) _f16Mapping.Dispose();
        else LargePageMemory.Free(_f16);   // copied by F16ForFullProduct, or null
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
