using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Convert;

public class HuggingFaceConverterTests
{
    public static TheoryData<string, WeightForm, GgmlType> Cases()
    {
        var data = new TheoryData<string, WeightForm, GgmlType>();
        foreach (string arch in new[] { "BitNetForCausalLM", "BitnetForCausalLM", "LlamaForCausalLM" })
            foreach (var form in Enum.GetValues<WeightForm>())
                foreach (var type in new[] { GgmlType.I2_S, GgmlType.TQ2_0, GgmlType.TQ1_0 })
                    data.Add(arch, form, type);
        return data;
    }

    static bool IsLlama(string hfArchitecture) => hfArchitecture == "LlamaForCausalLM";

    static TinyCheckpoint WriteCheckpoint(string dir, string hfArchitecture, WeightForm form, int seed = 11, bool lmHead = false) =>
        TinyCheckpoint.Write(dir, TinyCheckpoint.Config(hfArchitecture, tie: !lmHead, bitnetQuantization: IsLlama(hfArchitecture)),
            form, subNorms: !IsLlama(hfArchitecture), lmHead, seed);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConvertedTensorsHoldTheExpectedTernarization(string hfArchitecture, WeightForm form, GgmlType type)
    {
        using var dir = new TempDirectory();
        var checkpoint = WriteCheckpoint(dir.Path, hfArchitecture, form);
        string output = dir.File("model.gguf");
        HuggingFaceConverter.Convert(dir.Path, output, type);

        using var file = GgufFile.Open(output);
        var model = ModelDescriptionReader.Read(file);
        string expectedArch = hfArchitecture switch { "BitNetForCausalLM" => "bitnet-b1.58", "BitnetForCausalLM" => "bitnet", _ => "llama" };
        Assert.Equal(expectedArch, model.ArchitectureName);
        Assert.Equal(type, model.TernaryType);
        var hp = model.Hyperparameters;
        Assert.Equal((TinyCheckpoint.Hidden, TinyCheckpoint.Ffn, TinyCheckpoint.Layers, TinyCheckpoint.Heads, TinyCheckpoint.KvHeads, TinyCheckpoint.Vocab, 512),
            (hp.EmbeddingLength, hp.FeedForwardLength, hp.BlockCount, hp.HeadCount, hp.KeyValueHeadCount, hp.VocabSize, hp.ContextLength));
        Assert.Equal(1e-5f, hp.RmsNormEpsilon);
        Assert.Equal(500000f, hp.RopeFreqBase);
        Assert.Equal(TinyCheckpoint.HeadDim, hp.RopeDimensions);
        Assert.True(model.TiedEmbedding);
        Assert.Equal(HuggingFaceConverter.FileType(type), (uint)file.Metadata.GetInteger("general.file_type"));

        var ggufNames = new Dictionary<string, string>
        {
            ["self_attn.q_proj"] = "attn_q", ["self_attn.k_proj"] = "attn_k", ["self_attn.v_proj"] = "attn_v", ["self_attn.o_proj"] = "attn_output",
            ["mlp.gate_proj"] = "ffn_gate", ["mlp.up_proj"] = "ffn_up", ["mlp.down_proj"] = "ffn_down",
        };
        for (int layer = 0; layer < TinyCheckpoint.Layers; layer++)
            foreach (string linear in TinyCheckpoint.Linear)
            {
                var (values, scale) = checkpoint.Expected[$"model.layers.{layer}.{linear}.weight"];
                var (rows, columns) = TinyCheckpoint.Shape(linear);
                if (IsLlama(hfArchitecture) && linear is "self_attn.q_proj" or "self_attn.k_proj")
                    values = GgufReadBack.PermuteRows(values, rows, columns, linear == "self_attn.q_proj" ? TinyCheckpoint.Heads : TinyCheckpoint.KvHeads);
                var (actual, scales) = GgufReadBack.Ternary(file, $"blk.{layer}.{ggufNames[linear]}.weight");
                Assert.Equal(values, actual);
                if (type == GgmlType.I2_S)
                    Assert.Equal(scale, scales.Single());
                else
                    for (int b = 0; b < scales.Length; b++)
                        Assert.Equal(values.AsSpan(b * 256, 256).ContainsAnyExcept((sbyte)0) ? (float)(Half)scale : 0f, scales[b]);
            }

        var embedding = checkpoint.Masters["model.embed_tokens.weight"];
        Assert.Equal(GgmlType.F16, model.TokenEmbedding.Type);
        Assert.Equal(embedding.Select(v => (float)(Half)v), GgufReadBack.Dense(file, "token_embd.weight"));
        Assert.Equal(checkpoint.Masters["model.norm.weight"], GgufReadBack.Dense(file, "output_norm.weight"));
        Assert.Equal(checkpoint.Masters["model.layers.1.post_attention_layernorm.weight"], GgufReadBack.Dense(file, "blk.1.ffn_norm.weight"));
        if (!IsLlama(hfArchitecture))
            Assert.Equal(checkpoint.Masters["model.layers.1.mlp.ffn_sub_norm.weight"], GgufReadBack.Dense(file, "blk.1.ffn_sub_norm.weight"));
    }

    [Theory]
    [InlineData("BitNetForCausalLM", GgmlType.I2_S)]
    [InlineData("BitNetForCausalLM", GgmlType.TQ2_0)]
    [InlineData("LlamaForCausalLM", GgmlType.I2_S)]
    [InlineData("LlamaForCausalLM", GgmlType.TQ1_0)]
    public void MasterTernaryAndPackedCheckpointsGiveIdenticalFiles(string hfArchitecture, GgmlType type)
    {
        using var dir = new TempDirectory();
        var files = new List<byte[]>();
        foreach (var form in Enum.GetValues<WeightForm>())
        {
            string folder = Directory.CreateDirectory(dir.File(form.ToString())).FullName;
            WriteCheckpoint(folder, hfArchitecture, form, seed: 5);
            HuggingFaceConverter.Convert(folder, dir.File($"{form}.gguf"), type, new ConversionOptions { Name = "tiny" });
            files.Add(File.ReadAllBytes(dir.File($"{form}.gguf")));
        }
        Assert.Equal(files[0], files[1]);
        Assert.Equal(files[0], files[2]);
    }

    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.BF16)]
    public void UntiedOutputAndEmbeddingTypeFollowTheOptions(GgmlType embeddingType)
    {
        using var dir = new TempDirectory();
        var checkpoint = WriteCheckpoint(dir.Path, "BitNetForCausalLM", WeightForm.MasterBf16, lmHead: true);
        var progress = new List<ConversionProgress>();
        HuggingFaceConverter.Convert(dir.Path, dir.File("m.gguf"), GgmlType.I2_S, new ConversionOptions { EmbeddingType = embeddingType }, progress.Add);

        using var file = GgufFile.Open(dir.File("m.gguf"));
        var model = ModelDescriptionReader.Read(file);
        Assert.False(model.TiedEmbedding);
        Assert.Equal(embeddingType, model.Output.Type);
        Assert.Equal(embeddingType, model.TokenEmbedding.Type);
        // bf16 masters are exact in F32 and BF16
        Assert.Equal(checkpoint.Masters["lm_head.weight"], GgufReadBack.Dense(file, "output.weight"));
        Assert.Equal(checkpoint.Masters["model.embed_tokens.weight"], GgufReadBack.Dense(file, "token_embd.weight"));

        Assert.Equal(file.Tensors.Count, progress.Count);
        Assert.Equal(Enumerable.Range(1, progress.Count), progress.Select(p => p.TensorsDone));
        Assert.Equal(file.Tensors.Select(t => t.Name), progress.Select(p => p.TensorName));
        Assert.Equal(file.Tensors.Sum(t => t.ByteSize), progress[^1].BytesDone);
        Assert.Equal(progress[^1].BytesTotal, progress[^1].BytesDone);
    }

    [Fact]
    public void VocabularyAndChatTemplateAreCarriedOver()
    {
        using var dir = new TempDirectory();
        WriteCheckpoint(dir.Path, "BitNetForCausalLM", WeightForm.Packed);
        HuggingFaceConverter.Convert(dir.Path, dir.File("m.gguf"), GgmlType.I2_S, new ConversionOptions { Name = "tiny-bitnet" });

        using var file = GgufFile.Open(dir.File("m.gguf"));
        var m = file.Metadata;
        Assert.Equal("tiny-bitnet", m.GetString("general.name"));
        Assert.Equal("gpt2", m.GetString("tokenizer.ggml.model"));
        Assert.Equal("default", m.GetString("tokenizer.ggml.pre"));
        var tokens = m.GetStringArray("tokenizer.ggml.tokens");
        Assert.Equal(TinyCheckpoint.Vocab, tokens.Length);
        foreach (var (token, id) in TinyTokenizer.ByteLevelVocab()) Assert.Equal(token, tokens[id]);
        Assert.Equal("<|begin_of_text|>", tokens[TinyTokenizer.BosId]);
        Assert.Equal("[PAD267]", tokens[267]);
        var types = m.GetInt32Array("tokenizer.ggml.token_type");
        Assert.Equal(1, types[65]);
        Assert.Equal(3, types[TinyTokenizer.BosId]);
        Assert.Equal(4, types[TinyTokenizer.UserId]);
        Assert.Equal(TinyTokenizer.Merges, m.GetStringArray("tokenizer.ggml.merges"));
        Assert.Equal(TinyTokenizer.BosId, m.GetInteger("tokenizer.ggml.bos_token_id"));
        Assert.Equal(TinyTokenizer.EosId, m.GetInteger("tokenizer.ggml.eos_token_id"));
        Assert.False(m.Contains("tokenizer.ggml.padding_token_id"));
        Assert.True(m.GetBool("tokenizer.ggml.add_bos_token"));
        Assert.Equal(TinyTokenizer.ChatTemplate, m.GetString("tokenizer.chat_template"));
        Assert.Equal(TinyTokenizer.ChatTemplate, ModelDescriptionReader.Read(file).ChatTemplate);
    }
}
