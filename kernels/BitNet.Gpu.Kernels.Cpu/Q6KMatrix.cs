namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// A Q6_K matrix kept in its own 210-byte super-blocks (0.82 bytes a weight, read as is by <see cref="Q6KMatVec"/>),
/// with each super-block's f16 scale d converted to float once at load.
/// Block layout (ggml's): ql[128] low 4 bits, qh[64] high 2 bits, scales[16] int8 (one per 16 values), d (f16);
/// value = d · scale · (q − 32). In half h, value l + 32·g (g = 0..3) takes its low nibble from ql[64h + l + 32·(g mod 2)]
/// (low nibble for g &lt; 2, high for g ≥ 2), its high bits from qh[32h + l] at shift 2g, and scales[8h + 2g + l/16].
/// </summary>
public sealed unsafe class Q6KMatrix : IQuantizedMatrix
{
    public const int BlockValues = 256;
    public const int BlockBytes = 210;
    internal const int QhOffset = 128, ScalesOffset = 192, DOffset = 208;

    readonly SuperBlockRows _rows;

    Q6KMatrix(SuperBlockRows rows) => _rows = rows;

    public int Rows => _rows.Rows;
    public int Cols => _rows.Cols;
    public int BlocksPerRow => _rows.BlocksPerRow;

    /// <summary>Bytes of the super-blocks: what a full product reads.</summary>
    public long ByteSize => _rows.ByteSize;

    /// <param name="blocks">rows × (cols / 256) super-blocks, row-major, as a GGUF Q6_K tensor stores them.</param>
    public static Q6KMatrix FromBlocks(ReadOnlySpan<byte> blocks, int rows, int cols) =>
        new(new SuperBlockRows(blocks, rows, cols, BlockValues, BlockBytes, "Q6_K", [DOffset]));

    internal byte* RowBlocks(int row) => _rows.RowBlocks(row);
    internal float* RowBlockScales(int row) => _rows.RowScales(row);

    /// <summary>Row r as floats (an embedding lookup), exactly as ggml dequantizes it.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        _rows.CheckRowCopy(this, row, destination.Length);
        byte* blocks = RowBlocks(row);
        float* d = RowBlockScales(row);
        for (int c = 0; c < Cols; c++) destination[c] = Weight(blocks, d, c);
    }

    /// <summary>W[row, c] from the block layout: d · scale · (q − 32).</summary>
    internal static float Weight(byte* rowBlocks, float* rowBlockScales, int c)
    {
        byte* block = rowBlocks + (long)(c / BlockValues) * BlockBytes;
        int v = c % BlockValues, half = v / 128, g = v % 128 / 32, l = v % 32;
        byte lowByte = block[64 * half + l + 32 * (g % 2)];
        int low = g < 2 ? lowByte & 0xF : lowByte >> 4;
        int high = (block[QhOffset + 32 * half + l] >> (2 * g)) & 3;
        sbyte scale = (sbyte)block[ScalesOffset + 8 * half + 2 * g + l / 16];
        return rowBlockScales[c / BlockValues] * scale * ((low | high << 4) - 32);
    }

    /// <summary>y = W·x (<see cref="Q6KMatVec"/>).</summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) => Q6KMatVec.Multiply(this, x, y, pool);

    public void Dispose() => _rows.Dispose();
}
