using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// What a matrix kept in k-quant super-blocks stores (<see cref="Q4KMatrix"/>, <see cref="Q6KMatrix"/>): the blocks as
/// the file has them, in large pages, and each block's f16 super-scales converted to float once at load.
/// The matrix types read the layout; this class only holds it.
/// </summary>
internal sealed unsafe class SuperBlockRows : IDisposable
{
    byte* _blocks;  // rows × blocksPerRow × blockBytes
    float* _scales; // rows × blocksPerRow × scalesPerBlock

    /// <param name="blocks">rows × (cols / blockValues) blocks, row-major, as a GGUF tensor stores them.</param>
    /// <param name="scaleOffsets">Byte offsets in a block of its f16 super-scales (d for Q6_K; d and dmin for Q4_K).</param>
    public SuperBlockRows(ReadOnlySpan<byte> blocks, int rows, int cols, int blockValues, int blockBytes, string format, ReadOnlySpan<int> scaleOffsets)
    {
        if (rows < 1 || cols < 1 || cols % blockValues != 0)
            throw new ArgumentException($"Shape {rows}×{cols} must be positive with cols a multiple of {blockValues}.", nameof(cols));
        long expected = (long)rows * (cols / blockValues) * blockBytes;
        if (blocks.Length != expected) throw new ArgumentException($"Expected {expected} bytes of {format} blocks, got {blocks.Length}.", nameof(blocks));
        Rows = rows;
        Cols = cols;
        BlocksPerRow = cols / blockValues;
        BlockBytes = blockBytes;
        ScalesPerBlock = scaleOffsets.Length;
        _blocks = (byte*)LargePageMemory.Allocate(ByteSize);
        blocks.CopyTo(new Span<byte>(_blocks, blocks.Length));
        long count = (long)rows * BlocksPerRow;
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)(count * ScalesPerBlock * sizeof(float)), 64);
        for (long b = 0; b < count; b++)
            for (int s = 0; s < ScalesPerBlock; s++)
                _scales[b * ScalesPerBlock + s] = (float)BinaryPrimitives.ReadHalfLittleEndian(blocks.Slice((int)(b * blockBytes + scaleOffsets[s]), 2));
    }

    public int Rows { get; }
    public int Cols { get; }
    public int BlocksPerRow { get; }
    public int BlockBytes { get; }
    public int ScalesPerBlock { get; }

    /// <summary>Bytes of the blocks: what a full product reads.</summary>
    public long ByteSize => (long)Rows * BlocksPerRow * BlockBytes;

    public byte* RowBlocks(int row) => _blocks + (long)row * BlocksPerRow * BlockBytes;
    /// <summary>The row's super-scales, <see cref="ScalesPerBlock"/> a block.</summary>
    public float* RowScales(int row) => _scales + (long)row * BlocksPerRow * ScalesPerBlock;

    /// <summary>The checks of a row lookup: the matrix not disposed, row in range, a destination of cols values.</summary>
    public void CheckRowCopy(object owner, int row, int destinationLength)
    {
        ObjectDisposedException.ThrowIf(_blocks == null, owner);
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
        if (destinationLength != Cols) throw new ArgumentException($"Expected {Cols} outputs, got {destinationLength}.", "destination");
    }

    public void Dispose()
    {
        LargePageMemory.Free(_blocks);
        NativeMemory.AlignedFree(_scales);
        _blocks = null;
        _scales = null;
    }
}
