namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// The device layout of a ternary matrix [rows × cols]: each row is cols/16 uints (rounded up), value j of a word in
/// bits 2j..2j+1 as code = value + 1 (0, 1, 2), so the weights stay 2 bits each. Consecutive lanes of a warp read
/// consecutive words of a row. Activations pair with it as int8 packed 4 per int: word w meets ints 4w..4w+3.
/// Padding columns hold code 1 (value 0).
/// </summary>
public static class TernaryLayout
{
    public const int CodesPerWord = 16;
    public const int ValuesPerInt = 4;
    public const int IntsPerWord = CodesPerWord / ValuesPerInt;

    /// <summary>Words per row of weights: cols/16 rounded up.</summary>
    public static int WordsPerRow(int cols) => (cols + CodesPerWord - 1) / CodesPerWord;

    /// <summary>Packed ints per row of activations: four per weight word.</summary>
    public static int IntsPerRow(int cols) => WordsPerRow(cols) * IntsPerWord;

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
                word |= (uint)(value + 1) << (2 * j);
            }
            packed[(long)r * words + w] = word;
        }
        return packed;
    }
}
