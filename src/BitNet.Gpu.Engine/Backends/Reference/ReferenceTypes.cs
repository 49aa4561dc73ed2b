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

/// <summary>Keys and values per layer: [contextLength × kvHeads·headDim] floats.</summary>
internal sealed class ReferenceKvCache : KvCache
{
    public ReferenceKvCache(int layers, int contextLength, int keyValueHeads, int headDim)
    {
        Layers = layers;
        ContextLength = contextLength;
        KeyValueHeads = keyValueHeads;
        HeadDim = headDim;
        Keys = Enumerable.Range(0, layers).Select(_ => new float[(long)contextLength * keyValueHeads * headDim]).ToArray();
        Values = Enumerable.Range(0, layers).Select(_ => new float[(long)contextLength * keyValueHeads * headDim]).ToArray();
    }

    public float[][] Keys { get; }
    public float[][] Values { get; }
}
