using System.Text.Json.Nodes;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Model.Convert;

public class HuggingFaceVocabularyExporterTests
{
    static Dictionary<string, GgufValue> Export(JsonObject tokenizer, JsonObject? config, int? vocabSize = null)
    {
        using var dir = new TempDirectory();
        TinyTokenizer.Write(dir.Path, tokenizer, config);
        return HuggingFaceVocabularyExporter.ExportDirectory(dir.Path, vocabSize).ToDictionary(e => e.Key, e => e.Value);
    }

    [Fact]
    public void MergesGivenAsPairsAreWrittenAsStrings()
    {
        var entries = Export(TinyTokenizer.ByteLevel(mergesAsPairs: true), null);
        Assert.Equal(TinyTokenizer.Merges, (string[])entries["tokenizer.ggml.merges"].Value);
    }

    [Fact]
    public void Llama3PreTokenizerIsNamedLlamaBpe()
    {
        Assert.Equal("llama-bpe", Export(TinyTokenizer.ByteLevel(splitRegex: HuggingFaceVocabularyExporter.Llama3Regex), null)["tokenizer.ggml.pre"].Value);
        Assert.Equal("default", Export(TinyTokenizer.ByteLevel(splitRegex: @"\s+|\w+"), null)["tokenizer.ggml.pre"].Value);
    }

    [Fact]
    public void TokensArePaddedToTheModelVocabularyAndSpecialIdsFound()
    {
        var entries = Export(TinyTokenizer.ByteLevel(), TinyTokenizer.Config(addBos: false), vocabSize: 300);
        var tokens = (string[])entries["tokenizer.ggml.tokens"].Value;
        var types = (int[])entries["tokenizer.ggml.token_type"].Value;
        Assert.Equal(300, tokens.Length);
        Assert.Equal(Enumerable.Range(265, 35).Select(id => $"[PAD{id}]"), tokens[265..]);
        Assert.All(types[265..], t => Assert.Equal(HuggingFaceVocabularyExporter.UserDefined, t));
        Assert.Equal("<user>", tokens[TinyTokenizer.UserId]);
        Assert.Equal(HuggingFaceVocabularyExporter.UserDefined, types[TinyTokenizer.UserId]);
        Assert.Equal(HuggingFaceVocabularyExporter.Control, types[TinyTokenizer.EosId]);
        Assert.Equal((uint)TinyTokenizer.EosId, entries["tokenizer.ggml.eos_token_id"].Value);
        Assert.False((bool)entries["tokenizer.ggml.add_bos_token"].Value);
        Assert.False(entries.ContainsKey("tokenizer.ggml.scores")); // byte-level BPE has none
        Assert.Throws<ModelFormatException>(() => Export(TinyTokenizer.ByteLevel(), null, vocabSize: 200));
    }

    [Fact]
    public void SentencePieceVocabularyGetsByteTypesAndMergeRankScores()
    {
        var entries = Export(TinyTokenizer.SentencePiece(), TinyTokenizer.Config(bos: "<s>", eos: "</s>"));
        Assert.Equal("llama", entries["tokenizer.ggml.model"].Value);
        Assert.Equal("default", entries["tokenizer.ggml.pre"].Value);
        var tokens = (string[])entries["tokenizer.ggml.tokens"].Value;
        var types = (int[])entries["tokenizer.ggml.token_type"].Value;
        var scores = (float[])entries["tokenizer.ggml.scores"].Value;
        Assert.Equal("<0x41>", tokens[3 + 0x41]);
        Assert.All(types[3..259], t => Assert.Equal(HuggingFaceVocabularyExporter.Byte, t));
        Assert.Equal([HuggingFaceVocabularyExporter.Control, HuggingFaceVocabularyExporter.Control, HuggingFaceVocabularyExporter.Control], types[..3]);
        Assert.Equal(HuggingFaceVocabularyExporter.Normal, types[265]);
        Assert.Equal([-1f, -2f, -3f], scores[263..266]); // "▁t", "he", "▁the" are merges 0, 1, 2
        Assert.Equal(0f, scores[260]);
        Assert.Equal(1u, entries["tokenizer.ggml.bos_token_id"].Value);
        Assert.Equal(2u, entries["tokenizer.ggml.eos_token_id"].Value);
    }

    [Fact]
    public void NamedChatTemplatesAreAllCarriedOver()
    {
        var config = TinyTokenizer.Config();
        config["chat_template"] = new JsonArray(
            new JsonObject { ["name"] = "default", ["template"] = "A" },
            new JsonObject { ["name"] = "tool_use", ["template"] = "B" });
        var entries = Export(TinyTokenizer.ByteLevel(), config);
        Assert.Equal("A", entries["tokenizer.chat_template"].Value);
        Assert.Equal("B", entries["tokenizer.chat_template.tool_use"].Value);
        Assert.Equal(["tool_use"], (string[])entries["tokenizer.chat_templates"].Value);
    }

    public static TheoryData<string, string> MalformedTokenizers() => new()
    {
        { "{ not json", "not valid JSON" },
        { "[]", "expected an object" },
        { """{"model": {"type": "WordPiece", "vocab": {}}}""", "model.type" },
        { """{"model": {"type": "BPE", "byte_fallback": true, "vocab": [1, 2]}}""", "model.vocab" },
        { """{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": "zero"}}}""", "model.vocab['a']" },
        { """{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": -4}}}""", "model.vocab['a']" },
        { """{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0, "b": 0}}}""", "both 'a' and 'b'" },
        { """{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": [["a"]]}}""", "model.merges[0]" },
        { """{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": "a b"}}""", "model.merges" },
        { """{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}}, "added_tokens": [{"content": "x"}]}""", "'id'" },
        { """{"model": {"type": "BPE", "vocab": {"a": 0}}}""", "neither byte-level" },
        { """{"added_tokens": []}""", "'model'" },
    };

    [Theory]
    [MemberData(nameof(MalformedTokenizers))]
    public void MalformedTokenizerJsonNamesTheFileAndField(string json, string expected)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("tokenizer.json"), json);
        var e = Assert.Throws<ModelFormatException>(() => HuggingFaceVocabularyExporter.ExportDirectory(dir.Path));
        Assert.Equal(dir.File("tokenizer.json"), e.FilePath);
        Assert.Contains(expected, e.Message);
    }
}
