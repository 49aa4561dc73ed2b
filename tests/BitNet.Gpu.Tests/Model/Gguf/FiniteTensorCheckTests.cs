using System.Buffers.Binary;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Gguf;

/// <summary>A model with a NaN or an infinity among its floats (values or quantization scales) is refused at load, naming the tensor.</summary>
public class FiniteTensorCheckTests
{
    const ushort HalfNaN = 0x7E00, HalfPositiveInfinity = 0x7C00, HalfNegativeInfinity = 0xFC00;

    /// <summary>A copy of <paramref name="model"/> with <paramref name="bytes"/> written at <paramref name="offsetInTensor"/> of the named tensor.</summary>
    static string Corrupt(TempDirectory dir, string model, string tensorName, Func<GgufTensorInfo, long> offsetInTensor, byte[] bytes)
    {
        string path = dir.File($"corrupt-{tensorName}.gguf");
        File.Copy(model, path);
        long at;
        using (var file = GgufFile.Open(path))
        {
            var tensor = file.GetTensor(tensorName);
            at = tensor.FileOffset + offsetInTensor(tensor);
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = at;
        stream.Write(bytes);
        return path;
    }

    static byte[] Float(float value) => BitConverter.GetBytes(value);
    static byte[] Half(ushort bits) => BitConverter.GetBytes(bits);

    static ModelFormatException Refused(string path, string tensorName, string what)
    {
        using var file = GgufFile.Open(path);
        var error = Assert.Throws<ModelFormatException>(() => FiniteTensorCheck.Check(file));
        Assert.Contains(path, error.Message);
        Assert.Contains($"'{tensorName}'", error.Message);
        Assert.Contains(what, error.Message);
        return error;
    }

    [Fact]
    public void ANaNInTheOutputNormIsRefused()
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        string path = Corrupt(dir, model, "output_norm.weight", t => 4 * (t.ElementCount - 1), Float(float.NaN));
        var error = Refused(path, "output_norm.weight", "NaN");
        Assert.Contains("at value 255 of 256", error.Message);
    }

    [Fact]
    public void AnInfinityInTheTokenEmbeddingIsRefused()
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        string path = Corrupt(dir, model, "token_embd.weight", t => 2 * 70_000, Half(HalfPositiveInfinity));
        var error = Refused(path, "token_embd.weight", "+infinity");
        Assert.Contains("at value 70000 ", error.Message);
    }

    [Fact]
    public void ANaNInABlocksSubNormIsRefused()
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        string path = Corrupt(dir, model, "blk.0.attn_sub_norm.weight", _ => 4 * 3, Float(float.NaN));
        Refused(path, "blk.0.attn_sub_norm.weight", "NaN at value 3 ");
    }

    [Fact]
    public void AnI2SScaleOfInfinityIsRefused()
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        string path = Corrupt(dir, model, "blk.1.ffn_down.weight", t => t.ElementCount / 4, Float(float.NegativeInfinity));
        Refused(path, "blk.1.ffn_down.weight", "scale of -infinity");
    }

    [Theory]
    [InlineData(GgmlType.TQ2_0, GgmlType.F16, "blk.1.ffn_up.weight", 66 * 3 + 64, "block scale d of NaN in block 3 ")]
    [InlineData(GgmlType.TQ1_0, GgmlType.F16, "blk.0.attn_q.weight", 54 * 2 + 52, "block scale d of NaN in block 2 ")]
    [InlineData(GgmlType.I2_S, GgmlType.Q8_0, "token_embd.weight", 34 * 9, "block scale d of NaN in block 9 ")]
    [InlineData(GgmlType.I2_S, GgmlType.Q4_K, "token_embd.weight", 144 * 5, "block scale d of NaN in block 5 ")]
    [InlineData(GgmlType.I2_S, GgmlType.Q4_K, "token_embd.weight", 144 * 5 + 2, "block scale dmin of NaN in block 5 ")]
    [InlineData(GgmlType.I2_S, GgmlType.Q6_K, "token_embd.weight", 210 * 7 + 208, "block scale d of NaN in block 7 ")]
    public void ABlockScaleThatIsNotANumberIsRefused(GgmlType ternary, GgmlType embedding, string tensor, long offset, string what)
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", ternary, embedding: embedding);
        string path = Corrupt(dir, model, tensor, _ => offset, Half(HalfNaN));
        using (var file = GgufFile.Open(path)) Assert.Equal(ternary == GgmlType.I2_S ? embedding : ternary, file.GetTensor(tensor).Type);
        Refused(path, tensor, what);
    }

    [Fact]
    public void ABF16InfinityIsRefused()
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S, embedding: GgmlType.BF16);
        string path = Corrupt(dir, model, "token_embd.weight", _ => 2 * 12_345, Half(0xFF80));
        Refused(path, "token_embd.weight", "-infinity at value 12345 ");
    }

    [Fact]
    public void TheErrorGivesTheByteOfTheBadValue()
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        string path = Corrupt(dir, model, "output_norm.weight", _ => 4 * 10, Float(float.PositiveInfinity));
        long offset;
        using (var file = GgufFile.Open(path)) offset = file.GetTensor("output_norm.weight").FileOffset + 40;
        Assert.Equal(offset, Refused(path, "output_norm.weight", "+infinity").Offset);
    }

    [Fact]
    public void LargeAndTinyFiniteValuesPass()
    {
        using var weights = new WeightFile(seed: 5);
        weights.AddDense("big", GgmlType.F32, 3, 1000, scale: 1e37f);
        weights.AddDense("halves", GgmlType.F16, 7, 999, scale: 1e4f);
        weights.AddDense("brains", GgmlType.BF16, 5, 1001, scale: 1e-38f);
        FiniteTensorCheck.Check(weights.File);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(999)]
    public void TheVectorScanFindsABadValueAtAnyIndex(int index)
    {
        var halves = new ushort[1000];
        for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)(i * 37 % 0x7C00); // every finite exponent
        Assert.False(FiniteTensorCheck.AnyExponentAllOnes<ushort>(halves, 0x7C00));
        halves[index] = HalfNegativeInfinity;
        Assert.True(FiniteTensorCheck.AnyExponentAllOnes<ushort>(halves, 0x7C00));

        var floats = new uint[1000];
        for (int i = 0; i < floats.Length; i++) floats[i] = BitConverter.SingleToUInt32Bits(float.MaxValue) - (uint)i;
        Assert.False(FiniteTensorCheck.AnyExponentAllOnes<uint>(floats, 0x7F80_0000));
        floats[index] = BitConverter.SingleToUInt32Bits(float.NaN);
        Assert.True(FiniteTensorCheck.AnyExponentAllOnes<uint>(floats, 0x7F80_0000));
    }

    [Fact]
    public void LoadingAModelChecksItsFloats()
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        string path = Corrupt(dir, model, "output_norm.weight", _ => 0, Float(float.NaN));
        var error = Assert.Throws<ModelFormatException>(() => LoadedModel.Load(path, new LoadOptions { Backend = "cpu" }, new BackendRegistry()).Dispose());
        Assert.Contains("'output_norm.weight'", error.Message);
    }

    [Theory]
    [InlineData("output_norm.weight", 4L, "NaN")]
    [InlineData("token_embd.weight", 2L, "+infinity")]
    [InlineData("blk.0.attn_sub_norm.weight", 4L, "NaN")]
    public void TheCliRefusesACorruptModelWithExitTwoAndOneLine(string tensor, long elementBytes, string what)
    {
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        byte[] bytes = what == "NaN" ? Float(float.NaN) : Half(HalfPositiveInfinity);
        string path = Corrupt(dir, model, tensor, _ => elementBytes * 5, bytes);
        var r = CliRunner.Run("run", "-m", path, "-p", "Hi", "--backend", "cpu");
        CliAssert.CleanError(r, 2, $"'{tensor}'");
        Assert.Contains(what, r.Stderr);
    }

    [Fact]
    public void LogitsThatOverflowAtRunTimeAreExplainedInWords()
    {
        // Every weight finite, but an output norm of 3e38 overflows the final hidden state to infinity: the logits
        // come out NaN. The error says where and what it means, with no .NET names.
        using var dir = new TempDirectory();
        string model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        var huge = new byte[4 * 256];
        for (int i = 0; i < 256; i++) BinaryPrimitives.WriteSingleLittleEndian(huge.AsSpan(4 * i), 3e38f);
        string path = Corrupt(dir, model, "output_norm.weight", _ => 0, huge);

        var r = CliRunner.Run("run", "-m", path, "-p", "the tea", "-n", "2", "--full-logits", "--backend", "cpu");
        CliAssert.CleanError(r, 3, "after position");
        Assert.DoesNotContain("Parameter", r.Stderr);
        Assert.DoesNotContain("logits", r.Stderr);

        File.WriteAllText(dir.File("text.txt"), string.Concat(Enumerable.Repeat("the state of the union is strong. ", 20)));
        var ppl = CliRunner.Run("perplexity", "-m", path, "-f", dir.File("text.txt"), "--ctx", "32", "--backend", "cpu");
        CliAssert.CleanError(ppl, 3, "after position 16 are not finite");
    }
}
