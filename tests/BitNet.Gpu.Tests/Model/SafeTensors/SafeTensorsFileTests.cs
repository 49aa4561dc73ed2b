using BitNet.Gpu.Model;
using BitNet.Gpu.Model.SafeTensors;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.SafeTensors;

public class SafeTensorsFileTests
{
    [Fact]
    public void WrittenFileReadsBackEveryTensorAndTheMetadata()
    {
        using var dir = new TempDirectory();
        var (writer, data) = SafeTensorsTestFiles.SmallWriter(seed: 1);
        writer.Write(dir.File("model.safetensors"));

        using var file = SafeTensorsFile.Open(dir.File("model.safetensors"));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(data.Keys, file.Tensors.Select(t => t.Name));
        foreach (var tensor in file.Tensors)
            Assert.Equal(data[tensor.Name], file.GetBytes(tensor).ToArray());
        var up = file.FindTensor("model.layers.0.mlp.up_proj.weight")!;
        Assert.Equal(SafeTensorsDType.BF16, up.DType);
        Assert.Equal([6L, 8L], up.Shape);
        Assert.Equal(data[up.Name].AsSpan(10, 20).ToArray(), file.GetBytes(up, 10, 20).ToArray());
        Assert.Equal(0, (file.DataOffset - 8) % 8);
    }

    [Fact]
    public void ReadingOutsideATensorIsAnArgumentError()
    {
        using var dir = new TempDirectory();
        SafeTensorsTestFiles.SmallWriter(seed: 2).Writer.Write(dir.File("m.safetensors"));
        using var file = SafeTensorsFile.Open(dir.File("m.safetensors"));
        var norm = file.FindTensor("model.norm.weight")!;
        Assert.Throws<ArgumentOutOfRangeException>(() => file.GetBytes(norm, 90, 7).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => file.GetBytes(norm, -1, 2).ToArray());
    }

    [Fact]
    public void ShardsAreSearchedTogetherAndDuplicateNamesAcrossShardsAreRefused()
    {
        using var dir = new TempDirectory();
        var first = new SafeTensorsWriter();
        first.Add("a", [1f, 2f], [2]);
        first.Write(dir.File("model-00001-of-00002.safetensors"));
        var second = new SafeTensorsWriter();
        second.Add("b", [3f], [1]);
        second.Write(dir.File("model-00002-of-00002.safetensors"));

        using (var checkpoint = SafeTensorsCheckpoint.OpenDirectory(dir.Path))
        {
            Assert.Equal(2, checkpoint.TensorCount);
            Assert.Equal(BitConverter.GetBytes(3f), checkpoint.GetBytes(checkpoint.Get("b")).ToArray());
            var missing = Assert.Throws<ModelFormatException>(() => checkpoint.Get("c"));
            Assert.Contains("'c'", missing.Message);
        }

        var clash = new SafeTensorsWriter();
        clash.Add("a", [5f], [1]);
        clash.Write(dir.File("model-00003-of-00003.safetensors"));
        var e = Assert.Throws<ModelFormatException>(() => SafeTensorsCheckpoint.OpenDirectory(dir.Path));
        Assert.Contains("'a'", e.Message);
        Assert.Contains("model-00001-of-00002.safetensors", e.Message);
        Assert.Contains("model-00003-of-00003.safetensors", e.Message);
    }

    [Fact]
    public void AFolderWithoutSafetensorsIsAFormatError()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ModelFormatException>(() => SafeTensorsCheckpoint.OpenDirectory(dir.Path));
    }
}
