using System.Buffers.Binary;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.SafeTensors;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.SafeTensors;

/// <summary>Each kind of malformed header gives a <see cref="ModelFormatException"/> that names the file and what is wrong.</summary>
public class SafeTensorsBadInputTests
{
    const string Good = """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""";

    public static TheoryData<string, int, string> BadHeaders => new()
    {
        { "{not json", 24, "not valid JSON" },
        { "[1,2,3]", 24, "expected an object" },
        { """{"w":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}}""", 24, "F64" },
        { """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,28]}}""", 28, "needs 24 bytes" },
        { """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""", 20, "outside the data section" },
        { """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[8,4]}}""", 24, "outside the data section" },
        { """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[-1,23]}}""", 24, "non-negative" },
        { """{"w":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,24]}}""", 24, "shape[1]" },
        { """{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,24]}}""", 24, "shape[0]" },
        { """{"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,24]}}""", 24, "overflows" },
        { """{"w":{"dtype":"F32","data_offsets":[0,24]}}""", 24, "'shape'" },
        { """{"w":{"shape":[6],"data_offsets":[0,24]}}""", 24, "'dtype'" },
        { """{"w":{"dtype":"F32","shape":[6]}}""", 24, "data_offsets" },
        { """{"w":{"dtype":"F32","shape":[6],"data_offsets":[0]}}""", 24, "data_offsets" },
        { """{"w":[1]}""", 24, "expected {dtype" },
        { """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24, "overlap" },
        { """{"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}""", 24, "twice" },
        { """{"__metadata__":{"format":3},"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}""", 24, "__metadata__" },
        { """{"__metadata__":[],"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}""", 24, "__metadata__" },
        // Nesting is bounded by the JSON reader (depth 16), never recursed into.
        { "{\"w\":" + new string('[', 100_000) + new string(']', 100_000) + "}", 24, "depth of 16" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void BadHeaderIsAFormatErrorNamingTheProblem(string header, int dataLength, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, SafeTensorsTestFiles.Raw(header, dataLength));
        var e = Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TheGoodHeaderOfThoseCasesOpens()
    {
        using var dir = new TempDirectory();
        string path = dir.File("good.safetensors");
        File.WriteAllBytes(path, SafeTensorsTestFiles.Raw(Good, 24));
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(24, file.Tensors.Single().ByteSize);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "over the")]
    [InlineData(200_000_000UL, "over the")]
    [InlineData(1000UL, "past the end")]
    [InlineData(1UL, "too small")]
    public void BadHeaderLengthIsAFormatError(ulong headerLength, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        var bytes = SafeTensorsTestFiles.Raw(Good, 24);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(expected, e.Message);
        Assert.Equal(0, e.Offset);
    }

    [Fact]
    public void FileShorterThanTheLengthFieldIsAFormatError()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("short.safetensors"), [1, 2, 3]);
        Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(dir.File("short.safetensors")));
    }
}
