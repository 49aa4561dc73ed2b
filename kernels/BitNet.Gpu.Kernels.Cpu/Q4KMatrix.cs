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
    internal const int DOffset = 0, DMinOffset = 2, ScalesOffset = 4, QsOffset = 16;

    readonly SuperBlockRows _rows;

    Q4KMatrix(SuperBlockRows rows) => _rows = rows;

    public int Rows => _rows.Rows;
    public int Cols => _rows.Cols;
    public int BlocksPerRow => _rows.BlocksPerRow;

    /// <summary>Bytes of the super-blocks: what a full product reads.</summary>
    public long ByteSize => _rows.ByteSize;

    /// <param name="blocks">rows × (cols / 256) super-blocks, row-major, as a GGUF Q4_K tensor stores them.</param>
    public static Q4KMatrix FromBlocks(ReadOnlySpan<byte> blocks, int rows, int cols) =>
        new(new SuperBlockRows(blocks, rows, cols, BlockValues, BlockBytes, "Q4_K", [DOffset, DMinOffset]));

    internal byte* RowBlocks(int row) => _rows.RowBlocks(row);
    /// <summary>The row's (d, dmin) pairs, one per super-block.</summary>
    internal float* RowSuperScales(int row) => _rows.RowScales(row);

    /// <summary>Row r as floats (an embedding lookup), exactly as ggml dequantizes it.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        _rows.CheckRowCopy(this, row, destination.Length);
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

    public void Dispose() => _rows.Dispose();
}
