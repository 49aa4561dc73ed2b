using BitNet.Gpu.Engine.Backends;
using ILGPU;
using ILGPU.Runtime;
using BitNet.Gpu.Kernels.Ilgpu;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>A ternary matrix on the device: 2-bit codes (TernaryLayout, rows padded to whole chunks) plus one float
/// scale per block of a row; the kernels read the words as 16-byte vectors of four.</summary>
sealed class IlgpuTernaryWeight(DeviceMemory memory) : DeviceWeight
{
    public required MemoryBuffer1D<uint, Stride1D.Dense> Words { get; init; }        // rows × wordsPerRow
    public required MemoryBuffer1D<float, Stride1D.Dense> BlockScales { get; init; } // rows × blocksPerRow
    public required int VectorsPerRow { get; init; }
    /// <summary>Vector v of a row has scale block v &gt;&gt; BlockShift (TernaryLayout.BlockShift).</summary>
    public required int BlockShift { get; init; }

    /// <summary>The words as the kernels read them: four per element.</summary>
    public ArrayView<Int4> Vectors => Words.View.BaseView.Cast<Int4>();

    public override void Dispose() { memory.Free(Words); memory.Free(BlockScales); }
}

/// <summary>A dense matrix or vector on the device, as F16 bits or as F32 (exactly one of the two).</summary>
sealed class IlgpuDenseWeight(DeviceMemory memory) : DeviceWeight
{
    public MemoryBuffer1D<ushort, Stride1D.Dense>? Half { get; init; }  // rows × cols F16 bits
    public MemoryBuffer1D<float, Stride1D.Dense>? Float { get; init; }  // rows × cols
    /// <summary>The int8 copy of F16 weights that the int8 output layer multiplies, made on first use.</summary>
    public Q8Matrix? Int8 { get; set; }

    public override void Dispose() { memory.Free(Half); memory.Free(Float); Int8?.Dispose(); }
}

/// <summary>Float activations: up to Rows tokens × Cols.</summary>
sealed class IlgpuBuffer(DeviceMemory memory) : DeviceBuffer
{
    public required MemoryBuffer1D<float, Stride1D.Dense> Values { get; init; }

    public ArrayView<float> Row(int row) => Values.View.SubView((long)row * Cols, Cols);
    public override void Dispose() => memory.Free(Values);
}

/// <summary>Int8 activations packed 4 per int (TernaryLayout.IntsPerRow per token) with one scale per token, and Σ of
/// each chunk of 128 activations (the ternary products subtract it once instead of per weight).</summary>
sealed class IlgpuQuantizedBuffer(DeviceMemory memory) : DeviceBuffer
{
    public required MemoryBuffer1D<int, Stride1D.Dense> Packed { get; init; }   // rows × intsPerRow
    public required MemoryBuffer1D<int, Stride1D.Dense> Sums { get; init; }     // rows × intsPerRow / IntsPerChunk
    public required MemoryBuffer1D<float, Stride1D.Dense> Scales { get; init; } // rows
    public required int IntsPerRow { get; init; }

    /// <summary>The packed activations as the ternary kernels read them: one word's 16 activations per element.</summary>
    public ArrayView<Int4> WordActivations => Packed.View.BaseView.Cast<Int4>();

    public override void Dispose() { memory.Free(Packed); memory.Free(Sums); memory.Free(Scales); }
}

/// <summary>
/// Keys and values of all layers, layers × sequences·contextLength × keyValueHeads·headDim each (sequence s, position p
/// is row s·contextLength + p of a layer): floats (F32) or f16 bits (F16),
/// whichever <see cref="KvCache.Type"/> says; the other pair is null.
/// </summary>
sealed class IlgpuKvCache(DeviceMemory memory) : KvCache
{
    public MemoryBuffer1D<float, Stride1D.Dense>? Keys { get; init; }
    public MemoryBuffer1D<float, Stride1D.Dense>? Values { get; init; }
    public MemoryBuffer1D<ushort, Stride1D.Dense>? HalfKeys { get; init; }
    public MemoryBuffer1D<ushort, Stride1D.Dense>? HalfValues { get; init; }

    public long LayerStart(int layer) => (long)layer * Sequences * ContextLength * KeyValueHeads * HeadDim;
    public override void Dispose() { memory.Free(Keys); memory.Free(Values); memory.Free(HalfKeys); memory.Free(HalfValues); }
}
