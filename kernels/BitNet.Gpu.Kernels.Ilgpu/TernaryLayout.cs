namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// The device layout of a ternary matrix [rows × cols], 2 bits per value as code = value + 1 (0, 1, 2), 16 codes per
/// uint. Activations pair with it as int8 packed 4 per int: word w meets ints 4w..4w+3, int k holding columns
/// 16w+4k..16w+4k+3. Inside a word, column 16w+4k+i sits in byte i at bits 2k, so one mask
/// (<c>word &amp; 0x03030303 &lt;&lt; 2k</c>) lines up the four codes that meet int k, byte for byte (each scaled by 4^k).
/// Rows are padded to whole chunks of <see cref="WordsPerChunk"/> words with code 1 (value 0), so a thread reads four
/// words at a time (16 bytes) and the activation sums cover whole chunks.
/// </summary>
public static class TernaryLayout
{
    public const int CodesPerWord = 16;
    public const int ValuesPerInt = 4;
    public const int IntsPerWord = CodesPerWord / ValuesPerInt;
    /// <summary>Words a thread reads with one 16-byte load.</summary>
    public const int WordsPerVector = 4;
    /// <summary>Words per activation-sum chunk: 128 columns, 32 packed ints (one row team's worth).</summary>
    public const int WordsPerChunk = 8;
    public const int VectorsPerChunk = WordsPerChunk / WordsPerVector;
    public const int IntsPerChunk = WordsPerChunk * IntsPerWord;
    /// <summary>The four codes of one int's columns, one per byte: the mask for int 0 of a word (shift by 2k for int k).</summary>
    public const int CodeMask = 0x03030303;

    /// <summary>Words per row of weights: cols/16 rounded up to whole chunks.</summary>
    public static int WordsPerRow(int cols) => Chunks(cols) * WordsPerChunk;

    /// <summary>Packed ints per row of activations: four per weight word.</summary>
    public static int IntsPerRow(int cols) => WordsPerRow(cols) * IntsPerWord;

    /// <summary>Activation-sum chunks per row: 128 columns each.</summary>
    public static int Chunks(int cols) => (cols + WordsPerChunk * CodesPerWord - 1) / (WordsPerChunk * CodesPerWord);

    /// <summary>Weight vectors (4 words, one 16-byte load) per row.</summary>
    public static int VectorsPerRow(int cols) => WordsPerRow(cols) / WordsPerVector;

    /// <summary>
    /// The kernels' block shift: weight vector v of a row has scale block v &gt;&gt; shift. A row with one scale
    /// (<paramref name="blockWidth"/> = cols) gets 31 (every vector in block 0); otherwise a block must be a power of two
    /// of whole chunks (128, 256, 512… columns), so each chunk's activation sum falls in one block.
    /// </summary>
    public static int BlockShift(int cols, int blockWidth)
    {
        if (blockWidth == cols) return 31;
        int vectors = blockWidth / (WordsPerVector * CodesPerWord);
        if (blockWidth % (WordsPerChunk * CodesPerWord) != 0 || cols % blockWidth != 0 || !int.IsPow2(vectors))
            throw new ArgumentException($"scale blocks of {blockWidth} columns must be a power of two of {WordsPerChunk * CodesPerWord}-column chunks tiling rows of {cols}", nameof(blockWidth));
        return int.Log2(vectors);
    }

    /// <summary>Bit position of column j (0..15) of a word: byte j % 4, bits 2·(j / 4).</summary>
    public static int BitOf(int column) => 8 * (column % ValuesPerInt) + 2 * (column / ValuesPerInt);

    /// <summary>Packs ternary values (-1, 0, +1) row by row into the device layout [rows × WordsPerRow(cols)].</summary>
    public static uint[] Pack(ReadOnlySpan<sbyte> values, int rows, int cols)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"shape {rows}×{cols} must be positive");
        if (values.Length != (long)rows * cols)
            throw new ArgumentException($"expected {(long)rows * cols} values for {rows}×{cols}, got {values.Length}", nameof(values));
        int words = WordsPerRow(cols);
        var packed = new uint[(long)rows * words];
        for (int r = 0; r < rows; r++)
        for (int w = 0; w < words; w++)
        {
            uint word = 0;
            for (int j = 0; j < CodesPerWord; j++)
            {
                int c = w * CodesPerWord + j;
                int value = c < cols ? values[r * cols + c] : 0;
                if (value is < -1 or > 1) throw new ArgumentException($"value {value} at row {r}, column {c} is not ternary", nameof(values));
                word |= (uint)(value + 1) << BitOf(j);
            }
            packed[(long)r * words + w] = word;
        }
        return packed;
    }
}
