using System.Buffers.Binary;
using System.Text;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Gguf;

/// <summary>Each class of bad GGUF input gets a ModelFormatException whose message names the problem.</summary>
public class GgufBadInputTests
{
    static readonly byte[] Valid = GgufTestFiles.SmallFileBytes(seed: 3);

    static ModelFormatException OpenFails(byte[] bytes)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.gguf");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<ModelFormatException>(() => GgufFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
        return error;
    }

    static byte[] Patch(Action<byte[]> change)
    {
        var bytes = (byte[])Valid.Clone();
        change(bytes);
        return bytes;
    }

    /// <summary>Offset of the field right after a tensor info's name (its dimension count).</summary>
    static int AfterTensorName(byte[] bytes, string name)
    {
        var needle = Encoding.UTF8.GetBytes(name);
        int at = bytes.AsSpan().IndexOf(needle);
        Assert.True(at > 0);
        return at + needle.Length;
    }

    static int LastTensorDataEnd()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("valid.gguf"), Valid);
        using var file = GgufFile.Open(dir.File("valid.gguf"));
        return (int)file.Tensors.Max(t => t.FileOffset + t.ByteSize);
    }

    static void PutU64(byte[] b, int at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), v);
    static void PutU32(byte[] b, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v);

    [Fact]
    public void WrongMagic() =>
        Assert.Contains("not a GGUF file", OpenFails(Patch(b => b[0] = (byte)'X')).Message);

    [Theory]
    [InlineData(1u)]
    [InlineData(4u)]
    [InlineData(0xFFFFFFFFu)]
    public void UnsupportedVersion(uint version) =>
        Assert.Contains($"unsupported GGUF version {version}", OpenFails(Patch(b => PutU32(b, 4, version))).Message);

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(23)]
    [InlineData(100)]
    [InlineData(-1)]
    public void TruncatedFile(int length)
    {
        // -1: cut one byte off the last tensor's data (the file ends in alignment padding after it).
        var bytes = Valid.AsSpan(0, length < 0 ? LastTensorDataEnd() - 1 : length).ToArray();
        var error = OpenFails(bytes);
        Assert.True(error.Message.Contains("truncated") || error.Message.Contains("runs past the end"), error.Message);
    }

    [Theory]
    [InlineData(8, "tensor count")]
    [InlineData(16, "metadata key count")]
    public void AbsurdCounts(int offset, string field) =>
        Assert.Contains(field, OpenFails(Patch(b => PutU64(b, offset, ulong.MaxValue / 3))).Message);

    /// <summary>
    /// A count the file is too short for says how many bytes its items need at the least and how many are left
    /// (it used to say the count "is more than the N bytes left can hold", comparing a count with bytes).
    /// </summary>
    [Theory]
    [InlineData(8, "tensor count", 32, "tensor infos")]                   // name length, n_dims, one dim, type, offset
    [InlineData(16, "metadata key count", 13, "metadata key-value pairs")] // key length, value type, one byte of value
    public void ACountTooLargeForTheFileNamesTheBytesItNeeds(int offset, string field, int minBytesEach, string items)
    {
        const ulong count = 1_000_000;
        long left = Valid.Length - (offset + 8); // the count itself has been read
        var error = OpenFails(Patch(b => PutU64(b, offset, count)));
        Assert.Contains($"file is truncated or corrupt: {field} = {count} needs at least {count * (ulong)minBytesEach} bytes of {items} " +
                        $"but only {left} bytes are left (at byte {offset})", error.Message);
    }

    [Fact]
    public void TheBytesAnAbsurdCountNeedsDoNotOverflow()
    {
        var error = OpenFails(Patch(b => PutU64(b, 8, ulong.MaxValue)));
        Assert.Contains($"tensor count = {ulong.MaxValue} needs at least {new System.Numerics.BigInteger(ulong.MaxValue) * 32} bytes", error.Message);
    }

    [Fact]
    public void StringLengthPastTheEnd() =>
        // The first key's length field follows the 24-byte header.
        Assert.Contains("runs past the end", OpenFails(Patch(b => PutU64(b, 24, 1UL << 40))).Message);

    [Fact]
    public void AbsurdArrayCount()
    {
        var error = OpenFails(Patch(b =>
        {
            int at = b.AsSpan().IndexOf("strings"u8) + "strings".Length + 4 + 4; // value type, element type
            PutU64(b, at, 1UL << 60);
        }));
        Assert.Contains($"element count of 'strings' = {1UL << 60} needs at least {(1UL << 60) * 8} bytes of array elements", error.Message);
    }

    [Fact]
    public void ArraysOfArraysAreRefusedNotRecursedInto()
    {
        // An element type of 9 (array) would let a file nest arrays as deep as its bytes allow.
        var error = OpenFails(Patch(b => PutU32(b, b.AsSpan().IndexOf("ints"u8) + "ints".Length + 4, 9)));
        Assert.Contains("metadata 'ints': arrays of arrays are not supported", error.Message);
    }

    [Fact]
    public void UnknownValueType()
    {
        var error = OpenFails(Patch(b => PutU32(b, b.AsSpan().IndexOf("bool"u8) + 4, 99)));
        Assert.Contains("unknown value type 99", error.Message);
    }

    [Fact]
    public void InvalidBool()
    {
        var error = OpenFails(Patch(b => b[b.AsSpan().IndexOf("bool"u8) + 8] = 7));
        Assert.Contains("bool must be 0 or 1", error.Message);
    }

    [Fact]
    public void DuplicateKey()
    {
        var error = OpenFails(Patch(b => "u16"u8.CopyTo(b.AsSpan(b.AsSpan().IndexOf("i16"u8)))));
        Assert.Contains("duplicate metadata key 'u16'", error.Message);
    }

    [Fact]
    public void DuplicateTensorName()
    {
        var error = OpenFails(Patch(b => "f16"u8.CopyTo(b.AsSpan(b.AsSpan().IndexOf("f32.weight"u8)))));
        Assert.Contains("duplicate tensor name 'f16.weight'", error.Message);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(5u)]
    public void BadDimensionCount(uint count) =>
        Assert.Contains("dimensions", OpenFails(Patch(b => PutU32(b, AfterTensorName(b, "f32.weight"), count))).Message);

    [Fact]
    public void ZeroDimension() =>
        Assert.Contains("dimension 0 = 0", OpenFails(Patch(b => PutU64(b, AfterTensorName(b, "f32.weight") + 4, 0))).Message);

    [Fact]
    public void ElementCountOverflow()
    {
        // f32.weight has two dimensions: make both huge so their product overflows 64 bits.
        var error = OpenFails(Patch(b =>
        {
            int dims = AfterTensorName(b, "f32.weight") + 4;
            PutU64(b, dims, 1UL << 40);
            PutU64(b, dims + 8, 1UL << 40);
        }));
        Assert.Contains("overflow", error.Message);
    }

    [Fact]
    public void ByteSizeOverflow()
    {
        // 2^61 f32 values fit in a long as a count but not as 4-byte sizes.
        var error = OpenFails(Patch(b =>
        {
            int dims = AfterTensorName(b, "f32.weight") + 4;
            PutU64(b, dims, 1UL << 31);
            PutU64(b, dims + 8, 1UL << 30);
        }));
        Assert.Contains("f32.weight", error.Message);
    }

    [Fact]
    public void UnknownTensorType()
    {
        var error = OpenFails(Patch(b => PutU32(b, AfterTensorName(b, "f16.weight") + 4 + 8, 77)));
        Assert.Contains("unknown type id 77", error.Message);
    }

    [Fact]
    public void RowNotAMultipleOfTheBlock()
    {
        var error = OpenFails(Patch(b => PutU64(b, AfterTensorName(b, "tq2.weight") + 4, 255)));
        Assert.Contains("not a multiple of its block size 256", error.Message);
    }

    [Fact]
    public void MisalignedOffset()
    {
        var error = OpenFails(Patch(b => PutU64(b, AfterTensorName(b, "f16.weight") + 4 + 8 + 4, 33)));
        Assert.Contains("not a multiple of the alignment", error.Message);
    }

    [Fact]
    public void OffsetPastTheEnd()
    {
        var error = OpenFails(Patch(b => PutU64(b, AfterTensorName(b, "f16.weight") + 4 + 8 + 4, 1UL << 40)));
        Assert.Contains("runs past the end of the file", error.Message);
    }

    [Fact]
    public void OverlappingTensors()
    {
        // Point f16.weight at f32.weight's data (offset 0).
        var error = OpenFails(Patch(b => PutU64(b, AfterTensorName(b, "f16.weight") + 4 + 8 + 4, 0)));
        Assert.Contains("overlap", error.Message);
    }

    [Fact]
    public void BadAlignment()
    {
        var error = OpenFails(Patch(b => PutU32(b, b.AsSpan().IndexOf("general.alignment"u8) + "general.alignment".Length + 4, 48)));
        Assert.Contains("general.alignment = 48", error.Message);
    }

    [Fact]
    public void InvalidUtf8InAKey()
    {
        var error = OpenFails(Patch(b => b[b.AsSpan().IndexOf("general.name"u8)] = 0xFF));
        Assert.Contains("not valid UTF-8", error.Message);
    }

    [Fact]
    public void MissingFileIsNotFound()
    {
        var error = Assert.Throws<FileNotFoundException>(() => GgufFile.Open("/no/such/model.gguf"));
        Assert.Contains("/no/such/model.gguf", error.Message);
    }
}
