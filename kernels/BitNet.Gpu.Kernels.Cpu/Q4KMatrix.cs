using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// A Q4_K matrix kept in its own 144-byte super-blocks (0.56 bytes a weight, read as is by <see cref="Q4KMatVec"/>),
/// with each super-block's f16 scales d and dmin converted to float once at load.
/// Block layout (ggml's): d (f16), dmin (f16), 12 bytes of eight 6-bit (scale, min) pairs, qs[128] 4-bit codes.
/// Sub-block j (values 32j .. 32j + 31): value = d·scale_j · q − dmin·min_j. Chunk i (values 64i .. 64i + 63) keeps its
/// first 32 codes in the low nibbles of qs[32i ..] and its last 32 in the high nibbles.
/// </summary>
public sealed unsafe class Q4KMatrix : IQuantizedMatrix
{
    public const int BlockValues = 256;
    public const int BlockBytes = 144;
    public const int SubBlockValues = 32;
    internal const int ScalesOffset = 4, QsOffset = 16;

    byte* _blocks;        // rows × blocksPerRow × 144 bytes, in large pages
    float* _superScales;  // rows × blocksPerRow × (d, dmin) as floats

    Q4KMatrix(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        _blocks = (byte*)LargePageMemory.Allocate(ByteSize);
        _superScales = (float*)NativeMemory.AlignedAlloc((nuint)((long)rows * BlocksPerRow * 2 * sizeof(float)), 64);
    }

    public int Rows { get; }
    public int Cols { get; }
    public int BlocksPerRow => Cols / BlockValues;

    /// <summary>Bytes of the super-blocks: what a full product reads.</summary>
    public long ByteSize => (long)Rows * BlocksPerRow * BlockBytes;

    /// <param name="blocks">rows × (cols / 256) super-blocks, row-major, as a GGUF Q4_K tensor stores them.</param>
    public static Q4KMatrix FromBlocks(ReadOnlySpan<byte> blocks, int rows, int cols)
    {
        SuperBlockShape.Check(blocks.Length, rows, cols, BlockValues, BlockBytes, "Q4_K");
        var matrix = new Q4KMatrix(rows, cols);
        blocks.CopyTo(new Span<byte>(matrix._blocks, blocks.Length));
        long count = (long)rows * matrix.BlocksPerRow;
        for (long b = 0; b < count; b++)
        {
            var block = blocks.Slice((int)(b * BlockBytes), BlockBytes);
            matrix._superScales[2 * b] = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            matrix._superScales[2 * b + 1] = (float)BinaryPrimitives.ReadHalfLittleEndian(block[2..]);
        }
        return matrix;
    }

    internal byte* RowBlocks(int row) => _blocks + (long)row * BlocksPerRow * BlockBytes;
    /// <summary>The row's (d, dmin) pairs, one per super-block.</summary>
    internal float* RowSuperScales(int row) => _superScales + (long)row * BlocksPerRow * 2;

    /// <summary>Row r as floats (an embedding lookup), exactly as ggml dequantizes it.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_blocks == null, this);
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
        if (destination.Length != Cols) throw new ArgumentException($"Expected {Cols} outputs, got {destination.Length}.", nameof(destination));
        byte* blocks = RowBlocks(row);
        float* superScales = RowSuperScales(row);
        for (int c = 0; c < Cols; c++) destination[c] = Weight(blocks, superScales, c);
    }

    /// <summary>W[row, c] from the block layout: (d · scale) · q − (dmin · min), in ggml's float order.</summary>
    internal static float Weight(byte* rowBlocks, float* rowSuperScales, int c)
    {
        int b = c / BlockValues, v = c % BlockValues, j = v / SubBlockValues;
        byte* block = rowBlocks + (long)b * BlockBytes;
        byte packed = block[QsOffset + 32 * (j / 2) + v % 32];
        int q = j % 2 == 0 ? packed & 0xF : packed >> 4;
        var (scale, min) = ScaleAndMin(block + ScalesOffset, j);
        return rowSuperScales[2 * b] * scale * q - rowSuperScales[2 * b + 1] * min;
    }

    /// <summary>
    /// Sub-block j's 6-bit scale and min: j &lt; 4 take the low 6 bits of bytes j and j + 4; j ≥ 4 take a nibble of
    /// byte j + 4 and the top 2 bits of bytes j − 4 (scale) and j (min).
    /// </summary>
    internal static (int Scale, int Min) ScaleAndMin(byte* scales, int j) => j < 4
        ? (scales[j] & 63, scales[j + 4] & 63)
        : ((scales[j + 4] & 0xF) | (scales[j - 4] >> 6) << 4, (scales[j + 4] >> 4) | (scales[j] >> 6) << 4);

    /// <summary>y = W·x (<see cref="Q4KMatVec"/>).</summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) => Q4KMatVec.Multiply(this, x, y, pool);

    public void Dispose()
    {
        LargePageMemory.Free(_blocks);
        NativeMemory.AlignedFree(_superScales);
        _blocks = null;
        _superScales = null;
    }
}
