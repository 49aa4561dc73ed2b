using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The device layout of a ternary matrix, made once at load: each row as ceil(cols/16) uints holding 2-bit codes
/// (w + 1: 0, 1, 2), column c in word c/16 at bit 2·(c%16), padding coded as 1 (w = 0); and the block scales as one float per
/// row and block, so a shader finds a word's scale at [row × blocksPerRow + word / blockWords].
/// </summary>
internal static class TernaryPacking
{
    public const int CodesPerWord = 16;

    public sealed record Packed(uint[] Codes, float[] RowBlockScales, int RowWords, int BlockWords, int BlocksPerRow);

    public static Packed Pack(GgmlType type, ReadOnlySpan<byte> source, int rows, int cols)
    {
        var (values, scales, blockSize) = TernaryValues.Unpack(type, source, (long)rows * cols);
        int rowWords = (cols + CodesPerWord - 1) / CodesPerWord;
        // A block covers a whole number of code words within one row (TQ: 256 columns), or the whole row (I2_S: one scale).
        int blockCols = (int)Math.Min(blockSize, cols);
        if (cols % blockCols != 0 || (blockCols < cols && blockCols % CodesPerWord != 0))
            throw new ArgumentException($"{type} blocks of {blockSize} values do not tile rows of {cols} columns", nameof(type));
        int blocksPerRow = cols / blockCols;
        int blockWords = blocksPerRow == 1 ? rowWords : blockCols / CodesPerWord;

        var codes = new uint[(long)rows * rowWords];
        var rowBlockScales = new float[(long)rows * blocksPerRow];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                uint code = (uint)(values[(long)r * cols + c] + 1);
                codes[(long)r * rowWords + c / CodesPerWord] |= code << (2 * (c % CodesPerWord));
            }
            for (int c = cols; c < rowWords * CodesPerWord; c++)
                codes[(long)r * rowWords + c / CodesPerWord] |= 1u << (2 * (c % CodesPerWord));   // padding: w = 0
            for (int b = 0; b < blocksPerRow; b++)
                rowBlockScales[(long)r * blocksPerRow + b] = scales[((long)r * cols + (long)b * blockCols) / blockSize];
        }
        return new Packed(codes, rowBlockScales, rowWords, blockWords, blocksPerRow);
    }
}
