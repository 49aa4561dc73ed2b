using System.Text.Json.Nodes;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.SafeTensors;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Convert;

/// <summary>A broken checkpoint folder gives a <see cref="ModelFormatException"/> naming the file and what is wrong, and no output file.</summary>
public class HuggingFaceConverterBadInputTests
{
    static ModelFormatException ConvertFails(TempDirectory dir, GgmlType type = GgmlType.I2_S)
    {
        var e = Assert.Throws<ModelFormatException>(() => HuggingFaceConverter.Convert(dir.Path, dir.File("out.gguf"), type));
        Assert.False(File.Exists(dir.File("out.gguf")));
        Assert.False(File.Exists(dir.File("out.gguf.partial")));
        return e;
    }

    static void WriteGood(TempDirectory dir, JsonObject? config = null, Func<string, bool>? skip = null) =>
        TinyCheckpoint.Write(dir.Path, config ?? TinyCheckpoint.Config("BitNetForCausalLM"), WeightForm.MasterBf16, subNorms: true, lmHead: false, seed: 2, skip);

    [Fact]
    public void MissingConfigJson()
    {
        using var dir = new TempDirectory();
        WriteGood(dir);
        File.Delete(dir.File("config.json"));
        var e = ConvertFails(dir);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void ConfigNestedPastTheReadersDepthLimit()
    {
        using var dir = new TempDirectory();
        WriteGood(dir);
        File.WriteAllText(dir.File("config.json"), "{\"x\": " + new string('[', 100_000) + new string(']', 100_000) + "}");
        var e = ConvertFails(dir);
        Assert.Equal(dir.File("config.json"), e.FilePath);
        Assert.Contains("depth of 64", e.Message);
    }

    [Fact]
    public void TokenizerIdFarPastTheTokens()
    {
        // Found by fuzzing: the exporter padded a vocabulary of a few hundred tokens to one id in the millions.
        using var dir = new TempDirectory();
        WriteGood(dir);
        var tokenizer = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(dir.File("tokenizer.json")))!;
        tokenizer["added_tokens"]![0]!["id"] = 8_966_666;
        File.WriteAllText(dir.File("tokenizer.json"), tokenizer.ToJsonString());
        var e = ConvertFails(dir);
        Assert.Equal(dir.File("tokenizer.json"), e.FilePath);
        Assert.Contains("token id 8966666 leaves", e.Message);
    }

    [Fact]
    public void TokenizerJsonWithAnEscapedLoneSurrogate()
    {
        // Found by fuzzing the tokenizer.json readers: "\uDDDD" parses, but reading the string threw InvalidOperationException.
        using var dir = new TempDirectory();
        WriteGood(dir);
        File.WriteAllText(dir.File("tokenizer.json"), File.ReadAllText(dir.File("tokenizer.json")).Replace("\"model\"", "\"x\": \"\\uDDDD\", \"model\""));
        var e = ConvertFails(dir);
        Assert.Equal(dir.File("tokenizer.json"), e.FilePath);
        Assert.Contains("(root).x: a string escapes a lone surrogate", e.Message);
    }

    [Fact]
    public void TokenizerJsonWithInvalidUtf8()
    {
        // Found by fuzzing the tokenizer.json readers: an invalid byte inside a string threw InvalidOperationException.
        using var dir = new TempDirectory();
        WriteGood(dir);
        File.WriteAllBytes(dir.File("tokenizer.json"), [.. "{\"model\":{\"type\":\"BPE\",\"vocab\":{}},\"decoder\":\""u8, 0x88, .. "\"}"u8]);
        var e = ConvertFails(dir);
        Assert.Equal(dir.File("tokenizer.json"), e.FilePath);
        Assert.Contains("not valid UTF-8 (at byte 46)", e.Message);
    }

    [Theory]
    [InlineData("GPT2LMHeadModel", false, "unsupported architecture 'GPT2LMHeadModel'")]
    [InlineData("LlamaForCausalLM", false, "without a bitnet quantization_config")]
    public void UnsupportedArchitecture(string architecture, bool bitnetQuantization, string expected)
    {
        using var dir = new TempDirectory();
        WriteGood(dir, TinyCheckpoint.Config(architecture, bitnetQuantization: bitnetQuantization));
        var e = ConvertFails(dir);
        Assert.Equal(dir.File("config.json"), e.FilePath);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("hidden_size", "\"wide\"", "hidden_size")]
    [InlineData("num_key_value_heads", "3", "num_key_value_heads")]
    [InlineData("num_hidden_layers", "0", "num_hidden_layers")]
    [InlineData("architectures", "[]", "architectures")]
    public void BadConfigField(string field, string json, string expected)
    {
        using var dir = new TempDirectory();
        var config = TinyCheckpoint.Config("BitNetForCausalLM");
        config[field] = JsonNode.Parse(json);
        WriteGood(dir, config);
        Assert.Contains(expected, ConvertFails(dir).Message);
    }

    [Fact]
    public void ShapeThatDoesNotFitTheTernaryType()
    {
        using var dir = new TempDirectory();
        var config = TinyCheckpoint.Config("BitNetForCausalLM");
        config["intermediate_size"] = 640; // a multiple of 128, not of 256
        WriteGood(dir, config);
        Assert.Contains("multiple of 256", ConvertFails(dir, GgmlType.TQ2_0).Message);
    }

    [Theory]
    [InlineData("model.layers.1.mlp.down_proj.weight")]
    [InlineData("model.layers.0.self_attn.attn_sub_norm.weight")]
    [InlineData("model.embed_tokens.weight")]
    public void MissingTensor(string name)
    {
        using var dir = new TempDirectory();
        WriteGood(dir, skip: n => n == name);
        Assert.Contains($"missing tensor '{name}'", ConvertFails(dir).Message);
    }

    [Fact]
    public void ShapeMismatch()
    {
        using var dir = new TempDirectory();
        WriteGood(dir);
        var config = TinyCheckpoint.Config("BitNetForCausalLM");
        config["intermediate_size"] = 768; // the tensors are 512 wide
        File.WriteAllText(dir.File("config.json"), config.ToJsonString());
        var e = ConvertFails(dir);
        Assert.Contains("has shape [512", e.Message);
        Assert.Contains("expected [768", e.Message);
    }

    [Fact]
    public void PackedWeightWithAnInvalidCode()
    {
        using var dir = new TempDirectory();
        TinyCheckpoint.Write(dir.Path, TinyCheckpoint.Config("BitNetForCausalLM"), WeightForm.Packed, subNorms: true, lmHead: false, seed: 2);
        // Rewrite the safetensors file with one packed byte holding code 3.
        using (var source = SafeTensorsFile.Open(dir.File("model.safetensors")))
        {
            var writer = new SafeTensorsWriter();
            foreach (var t in source.Tensors)
            {
                var bytes = source.GetBytes(t).ToArray();
                if (t.Name == "model.layers.0.mlp.up_proj.weight") bytes[77] = 0b1100_0000;
                writer.Add(t.Name, t.DType, t.Shape, bytes);
            }
            writer.Write(dir.File("patched.safetensors.tmp"));
        }
        File.Move(dir.File("patched.safetensors.tmp"), dir.File("model.safetensors"), overwrite: true);
        Assert.Contains("code 3", ConvertFails(dir).Message);
    }

    [Fact]
    public void MalformedTokenizerJson()
    {
        using var dir = new TempDirectory();
        WriteGood(dir);
        File.WriteAllText(dir.File("tokenizer.json"), """{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": 5, "byte_fallback": true}}""");
        var e = ConvertFails(dir);
        Assert.Equal(dir.File("tokenizer.json"), e.FilePath);
        Assert.Contains("model.merges", e.Message);
    }

    [Fact]
    public void WrongTypesAreArgumentErrors()
    {
        using var dir = new TempDirectory();
        WriteGood(dir);
        Assert.Equal("ternaryType", Assert.Throws<ArgumentException>(() => HuggingFaceConverter.Convert(dir.Path, dir.File("o.gguf"), GgmlType.F16)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentException>(() =>
            HuggingFaceConverter.Convert(dir.Path, dir.File("o.gguf"), GgmlType.I2_S, new ConversionOptions { EmbeddingType = GgmlType.TQ2_0 })).ParamName);
    }
}
