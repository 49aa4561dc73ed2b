using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// A ternary weight matrix (values in {-1, 0, +1}) packed for the CPU kernels: 2 bits per value in native, 64-byte aligned memory,
/// plus float scales (one per row and scale block: a per-tensor scale is repeated for every row). The codes live in
/// <see cref="LargePageMemory"/>, since every generated token streams them all.
/// <para>
/// Layout. Each value is stored as the code t + 1 (0, 1 or 2). Rows go in groups of 4 (the last group padded with zeros),
/// and a group's 4 rows are interleaved block by block so a kernel reads one sequential stream:
/// group g = rows 4g..4g+3, <see cref="Cols"/> bytes: // 4 rows × cols/4 bytes
/// <list type="bullet">
/// <item>full block b (columns 256b..256b+255): 4 × 64 bytes at 256b, row r at +64r; byte j holds column 256b + j + 64k in bits 2k..2k+1 (k = 0..3),
/// so one 64-, 32- or 16-byte load shifted by 2k gives codes for consecutive columns;</item>
/// <item>a final half block (when cols ≡ 128 mod 256): 4 × 32 bytes, row r at +32r; byte j holds column base + j + 32k in bits 2k.</item>
/// </list>
/// </para>
/// </summary>
public sealed unsafe partial class TernaryMatrix : IDisposable
{
    /// <summary>Columns of a full block (64 bytes a row).</summary>
    public const int BlockCols = 256;
    /// <summary>Columns must be a multiple of this (the half block).</summary>
    public const int ColumnAlignment = 128;
    /// <summary>Rows interleaved in one group.</summary>
    public const int GroupRows = 4;

    const byte ZeroCodes = 0b01_01_01_01; // four zeros (code 1)

    byte* _packed;   // rowGroups × cols bytes
    readonly IDisposable? _packedOwner; // set when the codes are borrowed (FromPackedI2S), not allocated here
    float* _scales;  // rowGroups·4 × scaleBlocksPerRow

    /// <param name="fillWithZeros">Start every code at zero; a caller that writes every row itself skips the pass over the memory.</param>
    TernaryMatrix(int rows, int cols, int scaleBlockCols, bool fillWithZeros = true)
    {
        Rows = rows;
        Cols = cols;
        ScaleBlockCols = scaleBlockCols;
        ScaleBlocksPerRow = cols / scaleBlockCols;
        RowGroups = (rows + GroupRows - 1) / GroupRows;
        PackedBytes = (long)RowGroups * cols;
        _packed = (byte*)LargePageMemory.Allocate(PackedBytes);
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)((long)RowGroups * GroupRows * ScaleBlocksPerRow * sizeof(float)), 64);
        if (fillWithZeros) NativeMemory.Fill(_packed, (nuint)PackedBytes, ZeroCodes);
        NativeMemory.Clear(_scales, (nuint)((long)RowGroups * GroupRows * ScaleBlocksPerRow * sizeof(float)));
    }

    /// <summary>A matrix over codes packed elsewhere; <paramref name="owner"/> keeps them valid until disposed.</summary>
    TernaryMatrix(int rows, int cols, byte* packed, IDisposable owner)
    {
        Rows = rows;
        Cols = cols;
        ScaleBlockCols = cols;
        ScaleBlocksPerRow = 1;
        RowGroups = (rows + GroupRows - 1) / GroupRows;
        PackedBytes = (long)RowGroups * cols;
        _packed = packed;
        _packedOwner = owner;
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)((long)RowGroups * GroupRows * sizeof(float)), 64);
        NativeMemory.Clear(_scales, (nuint)((long)RowGroups * GroupRows * sizeof(float)));
    }

    public int Rows { get; }
    public int Cols { get; }
    /// <summary>Columns sharing one scale: <see cref="Cols"/> (per-tensor or per-row scale) or a multiple of 256 (e.g. 256 for TQ1_0/TQ2_0).</summary>
    public int ScaleBlockCols { get; }
    public int ScaleBlocksPerRow { get; }
    /// <summary>Groups of 4 interleaved rows.</summary>
    public int RowGroups { get; }
    /// <summary>Bytes of packed codes, padding rows included (what a full product reads, scales aside).</summary>
    public long PackedBytes { get; }

    internal int FullBlocks => Cols / BlockCols;
    internal bool HasHalfBlock => Cols % BlockCols != 0;
    internal byte* Group(int group) => Packed + (long)group * Cols;
    internal float* RowScales(int row) => Scales + (long)row * ScaleBlocksPerRow;

    internal byte* Packed => _packed != null ? _packed : throw new ObjectDisposedException(nameof(TernaryMatrix));
    internal float* Scales => _scales != null ? _scales : throw new ObjectDisposedException(nameof(TernaryMatrix));

    /// <summary>
    /// Packs a ternary matrix. Block scales that are the same across a row (blocks of zeros aside) are kept as one scale
    /// per row, which is exact and lets the kernels skip the per-block bookkeeping: a ternary model written as TQ2_0 or
    /// TQ1_0 repeats its per-tensor scale in every block, so this is the common case.
    /// </summary>
    /// <param name="values">rows × cols, row-major, each -1, 0 or +1.</param>
    /// <param name="cols">A multiple of 128.</param>
    /// <param name="blockScales">One scale for the whole tensor (length 1, only when <paramref name="scaleBlockCols"/> = cols),
    /// or rows × (cols / scaleBlockCols), row-major.</param>
    /// <param name="scaleBlockCols">Columns sharing one scale: cols, or a multiple of 256 that divides cols.</param>
    public static TernaryMatrix FromTernary(ReadOnlySpan<sbyte> values, int rows, int cols, ReadOnlySpan<float> blockScales, int scaleBlockCols)
    {
        ValidateShape(rows, cols, scaleBlockCols);
        if (values.Length != (long)rows * cols)
            throw new ArgumentException($"Expected rows × cols = {(long)rows * cols} values, got {values.Length}.", nameof(values));
        int scaleBlocksPerRow = cols / scaleBlockCols;
        bool perTensor = blockScales.Length == 1 && scaleBlocksPerRow == 1;
        if (!perTensor && blockScales.Length != (long)rows * scaleBlocksPerRow)
            throw new ArgumentException(
                $"Expected {(long)rows * scaleBlocksPerRow} scales (rows × cols/scaleBlockCols){(scaleBlocksPerRow == 1 ? " or 1" : "")}, got {blockScales.Length}.",
                nameof(blockScales));

        if (scaleBlocksPerRow > 1 && TryCollapseToRowScales(values, rows, cols, blockScales, scaleBlockCols) is { } rowScales)
            return FromTernary(values, rows, cols, rowScales, scaleBlockCols: cols);

        var matrix = new TernaryMatrix(rows, cols, scaleBlockCols);
        try
        {
            for (int row = 0; row < rows; row++)
                for (int b = 0; b < scaleBlocksPerRow; b++)
                    matrix.RowScales(row)[b] = perTensor ? blockScales[0] : blockScales[row * scaleBlocksPerRow + b];
            fixed (sbyte* valuesPointer = values)
                matrix.PackRows(valuesPointer);
        }
        catch
        {
            matrix.Dispose();
            throw;
        }
        return matrix;
    }

    /// <summary>Packs every row, row groups split over the cores (a model's load time is mostly this); rethrows a bad value's error.</summary>
    void PackRows(sbyte* values)
    {
        try
        {
            Parallel.For(0, RowGroups, group =>
            {
                for (int row = group * GroupRows; row < Math.Min(Rows, (group + 1) * GroupRows); row++)
                    PackRow(row, new ReadOnlySpan<sbyte>(values + (long)row * Cols, Cols));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    /// <summary>One scale per row when every block of a row that holds a nonzero value has the same scale; otherwise null.</summary>
    static float[]? TryCollapseToRowScales(ReadOnlySpan<sbyte> values, int rows, int cols, ReadOnlySpan<float> blockScales, int scaleBlockCols)
    {
        int blocksPerRow = cols / scaleBlockCols;
        var rowScales = new float[rows];
        for (int row = 0; row < rows; row++)
        {
            float? shared = null;
            for (int b = 0; b < blocksPerRow; b++)
            {
                float scale = blockScales[row * blocksPerRow + b];
                if (values.Slice(row * cols + b * scaleBlockCols, scaleBlockCols).IndexOfAnyExcept((sbyte)0) < 0) continue; // all zeros: any scale
                if (shared is null) shared = scale;
                else if (BitConverter.SingleToInt32Bits(scale) != BitConverter.SingleToInt32Bits(shared.Value)) return null;
            }
            rowScales[row] = shared ?? 0f;
        }
        return rowScales;
    }

    static void ValidateShape(int rows, int cols, int scaleBlockCols)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Rows must be positive.");
        if (cols < ColumnAlignment || cols % ColumnAlignment != 0)
            throw new ArgumentOutOfRangeException(nameof(cols), cols, $"Columns must be a positive multiple of {ColumnAlignment}.");
        if (scaleBlockCols != cols && (scaleBlockCols <= 0 || scaleBlockCols % BlockCols != 0 || cols % scaleBlockCols != 0))
            throw new ArgumentOutOfRangeException(nameof(scaleBlockCols), scaleBlockCols,
                $"Scale block must be the column count ({cols}) or a multiple of {BlockCols} dividing it.");
    }

    void PackRow(int row, ReadOnlySpan<sbyte> rowValues)
    {
        byte* group = Group(row / GroupRows);
        int rowInGroup = row % GroupRows;
        for (int block = 0; block < FullBlocks; block++)
            PackBytes(group + block * BlockCols + rowInGroup * 64, rowValues, row, block * BlockCols, bytes: 64);
        if (HasHalfBlock)
            PackBytes(group + FullBlocks * BlockCols + rowInGroup * 32, rowValues, row, FullBlocks * BlockCols, bytes: 32);
    }

    /// <summary>Packs columns firstCol .. firstCol + 4·bytes: byte j gets column firstCol + j + bytes·k in bits 2k.</summary>
    static void PackBytes(byte* destination, ReadOnlySpan<sbyte> rowValues, int row, int firstCol, int bytes)
    {
        for (int j = 0; j < bytes; j++)
        {
            int packed = 0;
            for (int k = 0; k < 4; k++)
            {
                int col = firstCol + j + bytes * k;
                int t = rowValues[col];
                if (t is < -1 or > 1)
                    throw new ArgumentException($"Value at row {row}, column {col} is {t}; ternary values must be -1, 0 or 1.", "values");
                packed |= (t + 1) << (2 * k);
            }
            destination[j] = (byte)packed;
        }
    }

    /// <summary>Byte offset within a row group and bit shift of the code of (row in group, column).</summary>
    internal (int Offset, int Shift) CodePosition(int rowInGroup, int col)
    {
        int block = col / BlockCols;
        if (block < FullBlocks)
        {
            int inBlock = col % BlockCols;
            return (block * BlockCols + rowInGroup * 64 + inBlock % 64, 2 * (inBlock / 64));
        }
        int inHalf = col - FullBlocks * BlockCols;
        return (FullBlocks * BlockCols + rowInGroup * 32 + inHalf % 32, 2 * (inHalf / 32));
    }

    /// <summary>The ternary value at (row, col), read back from the packed layout.</summary>
    public int GetValue(int row, int col)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        if ((uint)col >= (uint)Cols) throw new ArgumentOutOfRangeException(nameof(col));
        var (offset, shift) = CodePosition(row % GroupRows, col);
        return ((Group(row / GroupRows)[offset] >> shift) & 3) - 1;
    }

    /// <summary>The scale of (row, scale block).</summary>
    public float GetScale(int row, int scaleBlock)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        if ((uint)scaleBlock >= (uint)ScaleBlocksPerRow) throw new ArgumentOutOfRangeException(nameof(scaleBlock));
        return RowScales(row)[scaleBlock];
    }

    public void Dispose()
    {
        if (_packedOwner is null) LargePageMemory.Free(_packed);
        else if (_packed != null) _packedOwner.Dispose();
        NativeMemory.AlignedFree(_scales);
        _packed = null;
        _scales = null;
        GC.SuppressFinalize(this);
    }

    ~TernaryMatrix() => Dispose();
}
