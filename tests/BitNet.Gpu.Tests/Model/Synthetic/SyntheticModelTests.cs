using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Model.Synthetic;
using BitNet.Gpu.Tests.Model.Convert;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Synthetic;

public class SyntheticModelTests
{
    public static TheoryData<string, GgmlType> ArchitecturesAndTypes()
    {
        var data = new TheoryData<string, GgmlType>();
        foreach (var arch in SupportedArchitectures.All)
            foreach (var type in new[] { GgmlType.I2_S, GgmlType.TQ2_0, GgmlType.TQ1_0 })
                data.Add(arch.Name, type);
        return data;
    }

    [Theory]
    [MemberData(nameof(ArchitecturesAndTypes))]
    public void TinyPresetIsAValidModelForEveryArchitectureAndType(string architecture, GgmlType type)
    {
        using var dir = new TempDirectory();
        var options = SyntheticModelOptions.Tiny with { Architecture = architecture, TernaryType = type, Seed = 3 };
        SyntheticModel.Write(options, dir.File("m.gguf"));

        using var file = GgufFile.Open(dir.File("m.gguf"));
        var model = ModelDescriptionReader.Read(file);
        Assert.Equal(architecture, model.ArchitectureName);
        Assert.Equal(type, model.TernaryType);
        var hp = model.Hyperparameters;
        Assert.Equal((256, 768, 2, 4, 2, SyntheticVocabulary.GeneratedDefaultSize, 256),
            (hp.EmbeddingLength, hp.FeedForwardLength, hp.BlockCount, hp.HeadCount, hp.KeyValueHeadCount, hp.VocabSize, hp.ContextLength));
        Assert.Equal(model.Architecture.HasSubNorms, model.Layers[0].AttentionSubNorm is not null);
        Assert.True(model.TiedEmbedding);
        Assert.Equal(GgmlType.F16, model.TokenEmbedding.Type);
    }

    [Fact]
    public void WeightsLookLikeATrainedTernaryModel()
    {
        using var dir = new TempDirectory();
        SyntheticModel.Write(SyntheticModelOptions.Tiny with { Seed = 9 }, dir.File("m.gguf"));
        using var file = GgufFile.Open(dir.File("m.gguf"));

        var (values, scales) = GgufReadBack.Ternary(file, "blk.1.ffn_up.weight");
        double zeros = values.Count(v => v == 0) / (double)values.Length;
        double positives = values.Count(v => v == 1) / (double)values.Length;
        Assert.InRange(zeros, 0.31, 0.36);
        Assert.InRange(positives, 0.31, 0.36);
        Assert.InRange(scales.Single(), 0.01f, 0.03f);

        var norm = GgufReadBack.Dense(file, "blk.0.attn_norm.weight");
        Assert.InRange(norm.Average(), 0.98, 1.02);
        Assert.True(norm.Distinct().Count() > 100, "norms are not constant");
        var embedding = GgufReadBack.Dense(file, "token_embd.weight");
        Assert.InRange(embedding.Average(), -0.001, 0.001);
        double std = Math.Sqrt(embedding.Average(v => (double)v * v));
        Assert.InRange(std, 0.019, 0.021);
    }

    [Fact]
    public void SameSeedGivesTheSameFileAndAnotherSeedDoesNot()
    {
        using var dir = new TempDirectory();
        var options = SyntheticModelOptions.Tiny with { Seed = 42, TernaryType = GgmlType.TQ2_0 };
        SyntheticModel.Write(options, dir.File("a.gguf"));
        SyntheticModel.Write(options, dir.File("b.gguf"));
        SyntheticModel.Write(options with { Seed = 43 }, dir.File("c.gguf"));
        Assert.Equal(File.ReadAllBytes(dir.File("a.gguf")), File.ReadAllBytes(dir.File("b.gguf")));
        Assert.NotEqual(File.ReadAllBytes(dir.File("a.gguf")), File.ReadAllBytes(dir.File("c.gguf")));
    }

    [Fact]
    public void ShapesAndOutputAreOverridable()
    {
        using var dir = new TempDirectory();
        var options = SyntheticModelOptions.Tiny with
        {
            HiddenSize = 384, FeedForwardLength = 1024, LayerCount = 3, HeadCount = 6, KeyValueHeadCount = 3, VocabSize = 300,
            ContextLength = 128, TiedEmbedding = false, EmbeddingType = GgmlType.BF16, Name = "custom",
        };
        var progress = new List<ConversionProgress>();
        SyntheticModel.Write(options, dir.File("m.gguf"), progress.Add);
        using var file = GgufFile.Open(dir.File("m.gguf"));
        var model = ModelDescriptionReader.Read(file);
        Assert.Equal((384, 1024, 3, 6, 3, 300, 128), (model.Hyperparameters.EmbeddingLength, model.Hyperparameters.FeedForwardLength,
            model.Hyperparameters.BlockCount, model.Hyperparameters.HeadCount, model.Hyperparameters.KeyValueHeadCount,
            model.Hyperparameters.VocabSize, model.Hyperparameters.ContextLength));
        Assert.False(model.TiedEmbedding);
        Assert.Equal(GgmlType.BF16, model.Output.Type);
        Assert.Equal("custom", model.Name);
        Assert.Equal(file.Tensors.Count, progress.Count);
        Assert.Equal(300, file.Metadata.GetStringArray("tokenizer.ggml.tokens").Length);
    }

    [Fact]
    public void GeneratedVocabularyCoversEveryByte()
    {
        using var dir = new TempDirectory();
        SyntheticModel.Write(SyntheticModelOptions.Tiny, dir.File("m.gguf"));
        using var file = GgufFile.Open(dir.File("m.gguf"));
        var m = file.Metadata;
        var tokens = m.GetStringArray("tokenizer.ggml.tokens");
        Assert.Equal("gpt2", m.GetString("tokenizer.ggml.model"));
        Assert.Equal(TinyTokenizer.ByteLevelAlphabet(), tokens[..256]);
        Assert.Equal(256, tokens[..256].Distinct().Count());
        Assert.Equal(SyntheticVocabulary.GeneratedBosId, m.GetInteger("tokenizer.ggml.bos_token_id"));
        Assert.Equal(SyntheticVocabulary.GeneratedEosId, m.GetInteger("tokenizer.ggml.eos_token_id"));
        Assert.Equal(3, m.GetInt32Array("tokenizer.ggml.token_type")[SyntheticVocabulary.GeneratedEosId]);
        // The rest are merged letter pairs, each merge naming tokens of the vocabulary, so the BPE has work to do.
        var merges = m.GetStringArray("tokenizer.ggml.merges");
        Assert.Equal(tokens.Length - 258, merges.Length);
        foreach (var merge in merges)
        {
            var parts = merge.Split(' ');
            Assert.Contains(parts[0], tokens);
            Assert.Contains(parts[1], tokens);
            Assert.Contains(parts[0] + parts[1], tokens);
        }
        var tokenizer = new BitNet.Gpu.Tokenizers.Tokenizer(BitNet.Gpu.Tokenizers.GgufVocabularyReader.Read(m, dir.File("m.gguf")));
        var ids = tokenizer.Encode("the tea ✓", addBos: false, parseSpecial: false);
        Assert.Contains(ids, id => id >= 258);
        Assert.Equal("the tea ✓", tokenizer.Decode(ids));
    }

    [Fact]
    public void VocabularyIsTakenFromATokenizerJsonOrAGguf()
    {
        using var dir = new TempDirectory();
        TinyTokenizer.Write(dir.Path, TinyTokenizer.ByteLevel(), TinyTokenizer.Config());
        SyntheticModel.Write(SyntheticModelOptions.Tiny with { VocabularyPath = dir.File("tokenizer.json") }, dir.File("from-json.gguf"));
        SyntheticModel.Write(SyntheticModelOptions.Tiny with { VocabularyPath = dir.File("from-json.gguf"), VocabSize = 280 }, dir.File("from-gguf.gguf"));

        using var fromJson = GgufFile.Open(dir.File("from-json.gguf"));
        using var fromGguf = GgufFile.Open(dir.File("from-gguf.gguf"));
        int tokenizerSize = TinyTokenizer.UserId + 1; // without a model config, the vocabulary ends at the highest id
        Assert.Equal(tokenizerSize, ModelDescriptionReader.Read(fromJson).Hyperparameters.VocabSize);
        Assert.Equal(280, ModelDescriptionReader.Read(fromGguf).Hyperparameters.VocabSize);
        var tokens = fromGguf.Metadata.GetStringArray("tokenizer.ggml.tokens");
        Assert.Equal(fromJson.Metadata.GetStringArray("tokenizer.ggml.tokens"), tokens[..tokenizerSize]);
        Assert.Equal("[PAD275]", tokens[275]);
        Assert.Equal(TinyTokenizer.Merges, fromGguf.Metadata.GetStringArray("tokenizer.ggml.merges"));
        Assert.Equal(TinyTokenizer.ChatTemplate, fromGguf.Metadata.GetString("tokenizer.chat_template"));
        Assert.Equal(TinyTokenizer.BosId, fromGguf.Metadata.GetInteger("tokenizer.ggml.bos_token_id"));
    }

    [Fact]
    public void PresetsHaveTheDocumentedShapes()
    {
        var p = SyntheticModelOptions.Preset("2b4t");
        Assert.Equal((2560, 6912, 30, 20, 5, 128256, 4096), (p.HiddenSize, p.FeedForwardLength, p.LayerCount, p.HeadCount, p.KeyValueHeadCount, p.VocabSize, p.ContextLength));
        Assert.Equal(("bitnet-b1.58", 1e-5f, 500000f, true, GgmlType.F16), (p.Architecture, p.RmsNormEpsilon, p.RopeFreqBase, p.TiedEmbedding, p.EmbeddingType));
        p.Validate();
        foreach (var type in new[] { GgmlType.TQ1_0, GgmlType.TQ2_0 }) (p with { TernaryType = type }).Validate();
        Assert.Same(SyntheticModelOptions.Tiny, SyntheticModelOptions.Preset("TINY"));
        Assert.Throws<ArgumentException>(() => SyntheticModelOptions.Preset("7b"));
    }

    [Fact]
    public void BadOptionsAreArgumentErrorsNamingTheSetting()
    {
        var tiny = SyntheticModelOptions.Tiny;
        Assert.Equal("Architecture", Assert.Throws<ArgumentException>(() => (tiny with { Architecture = "gpt2" }).Validate()).ParamName);
        Assert.Equal("TernaryType", Assert.Throws<ArgumentException>(() => (tiny with { TernaryType = GgmlType.F16 }).Validate()).ParamName);
        Assert.Equal("TernaryType", Assert.Throws<ArgumentException>(() => (tiny with { HiddenSize = 128, HeadCount = 2, KeyValueHeadCount = 2, TernaryType = GgmlType.TQ2_0 }).Validate()).ParamName);
        Assert.Equal("KeyValueHeadCount", Assert.Throws<ArgumentException>(() => (tiny with { KeyValueHeadCount = 3 }).Validate()).ParamName);
        Assert.Equal("LayerCount", Assert.Throws<ArgumentException>(() => (tiny with { LayerCount = 0 }).Validate()).ParamName);
        Assert.Equal("EmbeddingType", Assert.Throws<ArgumentException>(() => (tiny with { EmbeddingType = GgmlType.TQ2_0 }).Validate()).ParamName);
        Assert.Equal("EmbeddingType", Assert.Throws<ArgumentException>(() => // rows of 128 cannot hold Q6_K's 256-value blocks
            (tiny with { HiddenSize = 128, HeadCount = 2, KeyValueHeadCount = 2, EmbeddingType = GgmlType.Q6_K }).Validate()).ParamName);
        (tiny with { EmbeddingType = GgmlType.Q8_0 }).Validate();
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentException>(() => SyntheticModel.Write(tiny with { VocabSize = 100 }, dir.File("m.gguf")));
        Assert.False(File.Exists(dir.File("m.gguf")));
    }
}
