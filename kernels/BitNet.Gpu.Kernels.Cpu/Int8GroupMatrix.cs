using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// A dense matrix stored as int8 codes with one float scale per group of consecutive columns in a row:
/// W[r, c] = scale[r, c / groupCols] · code[r, c]. Q8_0 (groups of 32) and Q6_K (groups of 16) weights convert to it
/// exactly, so their products read one byte a weight (plus a float a group) instead of a float.
/// </summary>
public sealed unsafe class Int8GroupMatrix : IQuantizedMatrix
{
    sbyte* _codes;   // rows × cols, in large pages
    float* _scales;  // rows × groupsPerRow

    Int8GroupMatrix(int rows, int cols, int groupCols)
    {
        Rows = rows;
        Cols = cols;
        GroupCols = groupCols;
        _codes = (sbyte*)LargePageMemory.Allocate((long)rows * cols);
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)((long)rows * GroupsPerRow * sizeof(float)), 64);
    }

    public int Rows { get; }
    public int Cols { get; }
    /// <summary>Columns sharing one scale: a multiple of 16.</summary>
    public int GroupCols { get; }
    public int GroupsPerRow => Cols / GroupCols;

    /// <summary>Bytes a full product reads: the codes and the scales.</summary>
    public long ByteSize => (long)Rows * Cols + (long)Rows * GroupsPerRow * sizeof(float);

    /// <summary>Writes a matrix's codes (rows × cols, row-major) and scales (rows × groups per row, row-major).</summary>
    public delegate void Filler(Span<sbyte> codes, Span<float> scales);

    /// <summary>Allocates the matrix and lets <paramref name="fill"/> write its codes and scales in place.</summary>
    public static Int8GroupMatrix Create(int rows, int cols, int groupCols, Filler fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (rows < 1 || cols < 1) throw new ArgumentOutOfRangeException(nameof(rows), $"Shape {rows}×{cols} must be positive.");
        if (groupCols < 16 || groupCols % 16 != 0 || cols % groupCols != 0)
            throw new ArgumentException($"Group of {groupCols} columns must be a positive multiple of 16 that divides {cols}.", nameof(groupCols));
        if ((long)rows * cols > int.MaxValue)
            throw new ArgumentException($"{rows}×{cols} is more than one span can hold.", nameof(rows));
        var matrix = new Int8GroupMatrix(rows, cols, groupCols);
        try
        {
            fill(new Span<sbyte>(matrix._codes, rows * cols), new Span<float>(matrix._scales, rows * (cols / groupCols)));
            return matrix;
        }
        catch
        {
            matrix.Dispose();
            throw;
        }
    }

    /// <param name="codes">rows × cols, row-major.</param>
    /// <param name="scales">rows × (cols / groupCols), row-major.</param>
    public static Int8GroupMatrix FromCodes(ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, int rows, int cols, int groupCols)
    {
        if (codes.Length != (long)rows * cols) throw new ArgumentException($"Expected {(long)rows * cols} codes, got {codes.Length}.", nameof(codes));
        if (groupCols > 0 && scales.Length != (long)rows * (cols / groupCols))
            throw new ArgumentException($"Expected {(long)rows * (cols / groupCols)} scales, got {scales.Length}.", nameof(scales));
        var codeArray = codes.ToArray();
        var scaleArray = scales.ToArray();
        return Create(rows, cols, groupCols, (c, s) =>
        {
            codeArray.CopyTo(c);
            scaleArray.CopyTo(s);
        });
    }

    internal sbyte* Row(int row) => _codes + (long)row * Cols;
    internal float* RowScales(int row) => _scales + (long)row * GroupsPerRow;

    /// <summary>Row r as floats (an embedding lookup).</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_codes == null, this);
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
        if (destination.Length != Cols) throw new ArgumentException($"Expected {Cols} outputs, got {destination.Length}.", nameof(destination));
        sbyte* codes = Row(row);
        float* scales = RowScales(row);
        for (int c = 0; c < Cols; c++) destination[c] = scales[c / GroupCols] * codes[c];
    }

    /// <summary>y = W·x (<see cref="Int8GroupMatVec"/>).</summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool) => Int8GroupMatVec.Multiply(this, x, y, pool);

    public void Dispose()
    {
        LargePageMemory.Free(_codes);
        NativeMemory.AlignedFree(_scales);
        _codes = null;
        _scales = null;
    }
}
