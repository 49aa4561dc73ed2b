using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BitNet.Gpu.Kernels.Cpu;

public sealed unsafe partial class TernaryMatrix
{
    const int I2SBlockBytes = 32;   // byte j holds values j + 32g at bit shift 6 − 2g (g = 0..3)

    /// <summary>
    /// Packs I2_S codes (bitnet.cpp's x86 layout, one scale for the tensor) straight into this layout: both store code t + 1,
    /// so each output byte is four 2-bit fields moved from one or two input bytes, with no per-value detour.
    /// Returns null, with the byte offset of the first invalid code 3 in <paramref name="invalidCodeByte"/>, when the data holds one.
    /// </summary>
    /// <param name="codes">rows × cols / 4 code bytes, row-major (the scale trailer excluded).</param>
    /// <param name="cols">A multiple of 128.</param>
    public static TernaryMatrix? FromI2S(ReadOnlySpan<byte> codes, int rows, int cols, float scale, out long invalidCodeByte)
    {
        ValidateShape(rows, cols, cols);
        int rowBytes = cols / 4;
        if (codes.Length != (long)rows * rowBytes)
            throw new ArgumentException($"Expected rows × cols / 4 = {(long)rows * rowBytes} code bytes, got {codes.Length}.", nameof(codes));
        var matrix = new TernaryMatrix(rows, cols, cols, fillWithZeros: false);
        if (rows % GroupRows != 0) NativeMemory.Fill(matrix.Group(matrix.RowGroups - 1), (nuint)cols, ZeroCodes); // the padding rows
        for (int row = 0; row < rows; row++) matrix.RowScales(row)[0] = scale;
        int invalidRows = 0;
        fixed (byte* source = codes)
        {
            byte* sourceCopy = source;
            Parallel.For(0, matrix.RowGroups, group =>
            {
                for (int row = group * GroupRows; row < Math.Min(rows, (group + 1) * GroupRows); row++)
                    if (!matrix.PackI2SRow(row, sourceCopy + (long)row * rowBytes)) Volatile.Write(ref invalidRows, 1);
            });
        }
        invalidCodeByte = invalidRows == 0 ? -1 : FirstInvalidCode(codes); // the scan runs only for a bad file, to name the byte
        if (invalidCodeByte < 0) return matrix;
        matrix.Dispose();
        return null;
    }

    /// <summary>
    /// A matrix whose codes were packed earlier (a cache of <see cref="FromI2S"/>'s output, e.g. a mapped file) and are
    /// read in place: <paramref name="packed"/> (<see cref="PackedSize"/> bytes) must hold exactly what FromI2S makes of
    /// <paramref name="codes"/>, which is checked here, every byte, so a stale or damaged copy is refused (null), never used.
    /// <paramref name="owner"/> keeps the memory valid and is disposed with the matrix (or at once when refused).
    /// </summary>
    public static TernaryMatrix? FromPackedI2S(ReadOnlySpan<byte> codes, int rows, int cols, float scale, byte* packed, IDisposable owner)
    {
        ValidateShape(rows, cols, cols);
        int rowBytes = cols / 4;
        if (codes.Length != (long)rows * rowBytes)
            throw new ArgumentException($"Expected rows × cols / 4 = {(long)rows * rowBytes} code bytes, got {codes.Length}.", nameof(codes));
        var matrix = new TernaryMatrix(rows, cols, packed, owner);
        for (int row = 0; row < rows; row++) matrix.RowScales(row)[0] = scale;
        int mismatches = 0;
        fixed (byte* source = codes)
        {
            byte* sourceCopy = source;
            Parallel.For(0, matrix.RowGroups, group =>
            {
                if (!matrix.GroupMatchesI2S(group, sourceCopy + (long)group * GroupRows * rowBytes, rowBytes)) Volatile.Write(ref mismatches, 1);
            });
        }
        if (mismatches == 0) return matrix;
        matrix.Dispose();
        return null;
    }

    /// <summary>Bytes of packed codes a rows × cols matrix takes (<see cref="PackedBytes"/>, padding rows included).</summary>
    public static long PackedSize(int rows, int cols) => (long)((rows + GroupRows - 1) / GroupRows) * cols;

    /// <summary>The packed codes, for saving them (<see cref="FromPackedI2S"/> reads them back).</summary>
    public ReadOnlySpan<byte> PackedCodes => new(Packed, checked((int)PackedBytes));

    /// <summary>Whether a row group's packed bytes are exactly the layout of its I2_S rows (padding rows: zero codes).</summary>
    bool GroupMatchesI2S(int group, byte* groupCodes, int rowBytes)
    {
        var difference = Vector128<byte>.Zero;
        for (int rowInGroup = 0; rowInGroup < GroupRows; rowInGroup++)
        {
            int row = group * GroupRows + rowInGroup;
            if (row >= Rows)
            {
                var padding = new ReadOnlySpan<byte>(Group(group), Cols);
                for (int block = 0; block < FullBlocks; block++)
                    if (padding.Slice(block * BlockCols + rowInGroup * 64, 64).IndexOfAnyExcept(ZeroCodes) >= 0) return false;
                if (HasHalfBlock && padding.Slice(FullBlocks * BlockCols + rowInGroup * 32, 32).IndexOfAnyExcept(ZeroCodes) >= 0) return false;
                continue;
            }
            byte* rowCodes = groupCodes + (long)rowInGroup * rowBytes;
            for (int block = 0; block < FullBlocks; block++)
            {
                byte* a = rowCodes + 2 * block * I2SBlockBytes, b = a + I2SBlockBytes;
                byte* stored = Group(group) + block * BlockCols + rowInGroup * 64;
                for (int j = 0; j < I2SBlockBytes; j += Vector128<byte>.Count)
                {
                    var (aBytes, bBytes) = (Vector128.Load(a + j), Vector128.Load(b + j));
                    var (low, high) = I2SToLayout(aBytes, bBytes);
                    // A code 3 in the source would pack as a valid-looking field: refuse it here too.
                    difference |= (low ^ Vector128.Load(stored + j)) | (high ^ Vector128.Load(stored + j + I2SBlockBytes)) |
                                  ((aBytes & (aBytes << 1)) & Vector128.Create((byte)0xAA)) | ((bBytes & (bBytes << 1)) & Vector128.Create((byte)0xAA));
                }
            }
            if (HasHalfBlock)
            {
                byte* a = rowCodes + 2 * FullBlocks * I2SBlockBytes;
                byte* stored = Group(group) + FullBlocks * BlockCols + rowInGroup * 32;
                if (FirstInvalidByte(a, 0, I2SBlockBytes) >= 0) return false;
                for (int j = 0; j < I2SBlockBytes; j++)
                    if (stored[j] != (byte)((a[j] >> 6 & 3) | (a[j] >> 4 & 3) << 2 | (a[j] >> 2 & 3) << 4 | (a[j] & 3) << 6)) return false;
            }
        }
        return difference == Vector128<byte>.Zero;
    }

    /// <summary>Offset of the first byte holding code 3 (a pair of set bits), or −1.</summary>
    static long FirstInvalidCode(ReadOnlySpan<byte> codes)
    {
        const ulong High = 0xAAAAAAAAAAAAAAAA;
        long chunks = codes.Length / 8;
        fixed (byte* p = codes)
        {
            var words = (ulong*)p;
            for (long i = 0; i < chunks; i++)
                if ((words[i] & High & (words[i] << 1)) != 0) return FirstInvalidByte(p, i * 8, i * 8 + 8);
            return FirstInvalidByte(p, chunks * 8, codes.Length);
        }
    }

    static long FirstInvalidByte(byte* p, long from, long to)
    {
        for (long i = from; i < to; i++)
            if ((p[i] & 0xAA & (p[i] << 1)) != 0) return i;
        return -1;
    }

    /// <summary>
    /// 16 bytes of each of two I2_S blocks to 16 + 16 output bytes (stored at destination and destination + 32). Columns j, j+64 are
    /// a's fields g = 0, 2 (shifts 6, 2) and j+32, j+96 its fields g = 1, 3 (shifts 4, 0); likewise b for the next 128
    /// columns. Each field moves to bits 2k of its output byte (k = 0..3 for a's two fields, then b's), as masks and shifts:
    /// low  = (a≫6 &amp; 3) | (a≫2 &amp; 3)≪2 | (b≫6 &amp; 3)≪4 | (b≫2 &amp; 3)≪6,
    /// high = (a≫4 &amp; 3) | (a &amp; 3)≪2 | (b≫4 &amp; 3)≪4 | (b &amp; 3)≪6.
    /// </summary>
    static (Vector128<byte> Low, Vector128<byte> High) I2SToLayout(Vector128<byte> a, Vector128<byte> b)
    {
        var low = (a >> 6) | (a & Vector128.Create((byte)0x0C)) | ((b >> 2) & Vector128.Create((byte)0x30)) | ((b << 4) & Vector128.Create((byte)0xC0));
        var high = ((a >> 4) & Vector128.Create((byte)0x03)) | ((a << 2) & Vector128.Create((byte)0x0C)) | (b & Vector128.Create((byte)0x30)) | (b << 6);
        return (low, high);
    }

    static void PackI2SBytes(Vector128<byte> a, Vector128<byte> b, byte* destination)
    {
        var (low, high) = I2SToLayout(a, b);
        low.Store(destination);
        high.Store(destination + I2SBlockBytes);
    }

    /// <summary>Packs one row; false when its codes hold the invalid code 3 (the row is then left partly written).</summary>
    bool PackI2SRow(int row, byte* rowCodes)
    {
        byte* group = Group(row / GroupRows);
        int rowInGroup = row % GroupRows;
        var invalid = Vector128<byte>.Zero; // bit 2k + 1 set where a field holds code 3 (both of its bits set)
        for (int block = 0; block < FullBlocks; block++)
        {
            // Two I2_S blocks a (columns 0..127) and b (128..255) feed one 256-column block: output byte j holds columns j + 64k.
            byte* a = rowCodes + 2 * block * I2SBlockBytes, b = a + I2SBlockBytes;
            byte* destination = group + block * BlockCols + rowInGroup * 64;
            for (int j = 0; j < I2SBlockBytes; j += Vector128<byte>.Count)
            {
                var (aBytes, bBytes) = (Vector128.Load(a + j), Vector128.Load(b + j));
                invalid |= (aBytes & (aBytes << 1)) | (bBytes & (bBytes << 1));
                PackI2SBytes(aBytes, bBytes, destination + j);
            }
        }
        if (HasHalfBlock)
        {
            // Output byte j holds columns j + 32k in bits 2k; the I2_S byte holds them at shift 6 − 2k: reverse the four fields.
            byte* a = rowCodes + 2 * FullBlocks * I2SBlockBytes;
            byte* destination = group + FullBlocks * BlockCols + rowInGroup * 32;
            if (FirstInvalidByte(a, 0, I2SBlockBytes) >= 0) return false;
            for (int j = 0; j < I2SBlockBytes; j++)
                destination[j] = (byte)((a[j] >> 6 & 3) | (a[j] >> 4 & 3) << 2 | (a[j] >> 2 & 3) << 4 | (a[j] & 3) << 6);
        }
        return (invalid & Vector128.Create((byte)0xAA)) == Vector128<byte>.Zero;
    }
}
