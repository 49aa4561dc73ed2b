using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Gguf;

public class GgufFileTests
{
    [Fact]
    public void WrittenFileReadsBackEveryValueTypeAndTensor()
    {
        using var dir = new TempDirectory();
        var writer = GgufTestFiles.SmallWriter(seed: 1);
        string path = dir.File("small.gguf");
        writer.Write(path);

        using var file = GgufFile.Open(path);
        Assert.Equal(3u, file.Version);
        var m = file.Metadata;
        Assert.Equal("test", m.GetString("general.architecture"));
        Assert.Equal("small ✓ model", m.GetString("general.name"));
        Assert.Equal(200, m.GetInteger("u8"));
        Assert.Equal(-7, m.GetInteger("i8"));
        Assert.Equal(60000, m.GetInteger("u16"));
        Assert.Equal(-30000, m.GetInteger("i16"));
        Assert.Equal(4_000_000_000L, m.GetInteger("u32"));
        Assert.Equal(-2_000_000_000L, m.GetInteger("i32"));
        Assert.Equal(1.5f, m.GetFloat32("f32"));
        Assert.True(m.GetBool("bool"));
        Assert.Equal(18_000_000_000_000_000_000UL, (ulong)m["u64"].Value);
        Assert.Equal(-9_000_000_000_000L, m.GetInteger("i64"));
        Assert.Equal(Math.PI, (double)m["f64"].Value);
        Assert.Equal(new[] { "a", "", "ü€😀" }, m.GetStringArray("strings"));
        Assert.Equal(new[] { 1, -2, 3 }, m.GetInt32Array("ints"));
        Assert.Equal(new[] { 0.25f, -8f }, m.GetFloat32Array("floats"));
        Assert.Equal(new[] { 1, 2, 255 }, m.GetInt32Array("bytes"));
        Assert.Equal(32, file.Alignment);

        Assert.Equal(writer.TensorCount, file.Tensors.Count);
        foreach (var (name, type, dims) in new[]
                 {
                     ("f32.weight", GgmlType.F32, new long[] { 3, 2 }),
                     ("f16.weight", GgmlType.F16, new long[] { 5 }),
                     ("i2s.weight", GgmlType.I2_S, new long[] { 128, 3 }),
                     ("tq2.weight", GgmlType.TQ2_0, new long[] { 256, 2 }),
                 })
        {
            var tensor = file.GetTensor(name);
            Assert.Equal(type, tensor.Type);
            Assert.Equal(dims, tensor.Dimensions);
            Assert.Equal(0, tensor.FileOffset % file.Alignment);
        }

        // The bytes read back in place are the bytes written.
        var expected = GgufTestFiles.SmallFileBytes(seed: 1);
        Assert.Equal(expected, File.ReadAllBytes(path));
        var i2s = file.GetTensor("i2s.weight");
        Assert.Equal(expected.AsSpan((int)i2s.FileOffset, (int)i2s.ByteSize).ToArray(), file.GetTensorBytes(i2s).ToArray());
    }

    [Fact]
    public void MissingKeysAndWrongTypesNameTheFileAndKey()
    {
        using var dir = new TempDirectory();
        string path = dir.File("small.gguf");
        GgufTestFiles.SmallWriter(seed: 2).Write(path);
        using var file = GgufFile.Open(path);

        var missing = Assert.Throws<ModelFormatException>(() => file.Metadata.GetString("llama.block_count"));
        Assert.Contains("llama.block_count", missing.Message);
        Assert.Contains(path, missing.Message);

        var wrong = Assert.Throws<ModelFormatException>(() => file.Metadata.GetString("u32"));
        Assert.Contains("'u32' should be a string", wrong.Message);
        Assert.Throws<ModelFormatException>(() => file.Metadata.GetInt32Array("strings"));
        Assert.Throws<ModelFormatException>(() => file.GetTensor("no.such.tensor"));
    }
}
