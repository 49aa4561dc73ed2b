using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>A ternary matrix on the device: 2-bit codes (w + 1), 16 per uint, and one scale per row and block.</summary>
internal sealed class VulkanTernaryWeight : DeviceWeight
{
    public required GpuBuffer Codes { get; init; }        // rows × RowWords uints
    public required GpuBuffer BlockScales { get; init; }  // rows × BlocksPerRow floats
    public required int RowWords { get; init; }           // ceil(cols / 16)
    public required int BlockWords { get; init; }         // code words per scale block
    public required int BlocksPerRow { get; init; }

    public override void Dispose()
    {
        Codes.Dispose();
        BlockScales.Dispose();
    }
}

/// <summary>A dense matrix or vector on the device, f16 (two per uint) or f32, bound in chunks of whole rows when
/// it is larger than one binding may be.</summary>
internal sealed class VulkanDenseWeight : DeviceWeight
{
    public required GpuBuffer Values { get; init; }      // rows × cols halves or floats
    public required bool IsHalf { get; init; }
    public required IReadOnlyList<RowRange> Chunks { get; init; }
    /// <summary>The int8 copy the int8 output layer and the top-k screen multiply, made by the first product that needs it.</summary>
    public Q8Matrix? Int8 { get; set; }

    public long RowBytes => (long)Cols * (IsHalf ? 2 : 4);

    public BufferWindow Window(RowRange chunk) =>
        Values.Window(chunk.First * RowBytes, Math.Min(Values.Size - chunk.First * RowBytes, (chunk.Count * RowBytes + 3) / 4 * 4));

    public override void Dispose()
    {
        Values.Dispose();
        Int8?.Dispose();
    }
}

/// <summary>Float activations: up to Rows tokens × Cols floats.</summary>
internal sealed class VulkanActivations : DeviceBuffer
{
    public required GpuBuffer Values { get; init; }

    public long RowBytes => Cols * 4L;
    public BufferWindow RowsWindow(int first, int count) => Values.Window(first * RowBytes, count * RowBytes);

    public override void Dispose() => Values.Dispose();
}

/// <summary>Int8 activations packed 4 per uint and one scale per row. Each row is padded with zeros to whole ternary
/// weight words (16 values): the ternary shaders read the activations of a weight word together, so a row of
/// cols % 16 ≠ 0 values would otherwise end inside the last one.</summary>
internal sealed class VulkanQuantized : DeviceBuffer
{
    public required GpuBuffer Values { get; init; }   // rows × RowWords uints
    public required GpuBuffer Scales { get; init; }   // rows floats
    public int RowWords => RowWordsFor(Cols);

    /// <summary>Uints per quantized row: 4 · ceil(cols / 16), four per ternary weight word.</summary>
    public static int RowWordsFor(int cols) => (cols + TernaryPacking.CodesPerWord - 1) / TernaryPacking.CodesPerWord * (TernaryPacking.CodesPerWord / 4);

    public override void Dispose()
    {
        Values.Dispose();
        Scales.Dispose();
    }
}

/// <summary>Keys and values per layer: [contextLength × kvHeads·headDim] floats each, or f16 pairs in an f16 cache.</summary>
internal sealed class VulkanKvCache : KvCache
{
    public required GpuBuffer[] Keys { get; init; }
    public required GpuBuffer[] Values { get; init; }
    public int Width => KeyValueHeads * HeadDim;

    public override void Dispose()
    {
        foreach (var buffer in Keys) buffer.Dispose();
        foreach (var buffer in Values) buffer.Dispose();
    }
}
