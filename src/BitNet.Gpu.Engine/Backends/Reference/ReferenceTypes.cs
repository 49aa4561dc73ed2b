namespace BitNet.Gpu.Engine.Backends.Reference;

/// <summary>A weight on the reference backend: dense floats, or one sbyte per ternary weight with its block scales.</summary>
internal sealed class ReferenceWeight : DeviceWeight
{
    public float[]? Dense { get; init; }              // [rows × cols]
    public sbyte[]? Ternary { get; init; }            // [rows × cols] in {-1, 0, 1}
    public float[]? BlockScales { get; init; }        // one per BlockSize consecutive weights
    public int BlockSize { get; init; }
}

/// <summary>Float activations [rows × cols], with room for their int8 quantization and per-row scales.</summary>
internal sealed class ReferenceBuffer : DeviceBuffer
{
    public ReferenceBuffer(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        Values = new float[(long)rows * cols];
        Quantized = new sbyte[(long)rows * cols];
        Scales = new float[rows];
    }

    public float[] Values { get; }
    public sbyte[] Quantized { get; }
    public float[] Scales { get; }

    public Span<float> Row(int t) => Values.AsSpan(t * Cols, Cols);
    public Span<sbyte> QuantizedRow(int t) => Quantized.AsSpan(t * Cols, Cols);
}

/// <summary>Keys and values per layer: [sequences·contextLength × kvHeads·headDim] floats (holding f16 values in an f16 cache).</summary>
internal sealed class ReferenceKvCache : KvCache
{
    public ReferenceKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type)
    {
        if (type is not (KvCacheType.F32 or KvCacheType.F16)) throw new NotSupportedException($"the reference backend has no {type} KV cache");
        Layers = layers;
        Sequences = sequences;
        ContextLength = contextLength;
        KeyValueHeads = keyValueHeads;
        HeadDim = headDim;
        Type = type;
        Keys = Enumerable.Range(0, layers).Select(_ => new float[(long)sequences * contextLength * keyValueHeads * headDim]).ToArray();
        Values = Enumerable.Range(0, layers).Select(_ => new float[(long)sequences * contextLength * keyValueHeads * headDim]).ToArray();
    }

    public float[][] Keys { get; }

    /// <summary>The cache row of a sequence's position.</summary>
    public int Row(int sequence, int position) => sequence * ContextLength + position;

    public float[][] Values { get; }

    /// <summary>Copies a row in; an f16 cache keeps the nearest f16 (ties to even), saturated to the largest finite ±65504.</summary>
    public void Store(ReadOnlySpan<float> row, Span<float> destination)
    {
        for (int i = 0; i < row.Length; i++)
            destination[i] = Type == KvCacheType.F16 ? (float)(Half)Math.Clamp(row[i], -65504f, 65504f) : row[i];
    }
}
