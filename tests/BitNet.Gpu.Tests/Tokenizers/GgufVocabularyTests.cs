using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

public class GgufVocabularyTests
{
    static readonly Lazy<Tokenizer> FromGgufLazy = new(() => Tokenizer.FromGguf(Llama3TestData.Decompress("llama3-vocab.gguf.gz")));
    static Tokenizer FromGguf => FromGgufLazy.Value;

    static GgufMetadata VocabMetadata()
    {
        using var file = GgufFile.Open(Llama3TestData.Decompress("llama3-vocab.gguf.gz"));
        var copy = new GgufMetadata("llama3-vocab.gguf");
        foreach (var (key, value) in file.Metadata.Entries) copy.Set(key, value);
        return copy;
    }

    [Theory]
    [MemberData(nameof(Llama3TestData.VectorIndices), MemberType = typeof(Llama3TestData))]
    public void Gguf_EncodesLlamaCppTestVector(int index)
    {
        var (text, expected) = Llama3TestData.TestVectors()[index];
        Assert.Equal(expected, FromGguf.Encode(text, addBos: false, parseSpecial: false));
    }

    [Fact]
    public void Gguf_VocabularyMatchesTokenizerJson()
    {
        Vocabulary g = FromGguf.Vocabulary, j = Llama3TestData.FromJson.Vocabulary;
        Assert.Equal(TokenizerModelKind.ByteLevelBpe, g.Model);
        Assert.Equal("llama-bpe", g.PreTokenizer);
        Assert.Equal(j.Tokens, g.Tokens);
        Assert.Equal(j.Merges.Count, g.Merges.Count);
        Assert.Equal(128000, g.BosId);
        Assert.Equal(j.EosId, g.EosId);
        Assert.Equal(TokenType.Control, g.TokenTypes[128009]);
        Assert.Equal(128009, g.EotId);
    }

    [Fact]
    public void Llama3VocabularyWithoutPreKey_IsTokenizedAsLlama3()
    {
        var metadata = VocabMetadata();
        Assert.True(metadata.Remove("tokenizer.ggml.pre"));
        var tokenizer = new Tokenizer(GgufVocabularyReader.Read(metadata, "no-pre.gguf"));
        Assert.Null(tokenizer.Vocabulary.PreTokenizer);
        foreach (var (text, expected) in Llama3TestData.TestVectors())
            Assert.Equal(expected, tokenizer.Encode(text, false, false));
    }

    [Fact]
    public void Falcon3PreTokenizer_UsesTheLlama3Pattern()
    {
        var metadata = VocabMetadata();
        metadata.Set("tokenizer.ggml.pre", GgufValue.Of("falcon3"));
        var tokenizer = new Tokenizer(GgufVocabularyReader.Read(metadata, "falcon3.gguf"));
        var (text, expected) = Llama3TestData.TestVectors()[^1];
        Assert.Equal(expected, tokenizer.Encode(text, false, false));
    }

    [Fact]
    public void AddBosKey_IsHonoured()
    {
        var metadata = VocabMetadata();
        metadata.Set("tokenizer.ggml.add_bos_token", GgufValue.Of(false));
        var tokenizer = new Tokenizer(GgufVocabularyReader.Read(metadata, "nobos.gguf"));
        Assert.Equal([9906], tokenizer.Encode("Hello", addBos: true, parseSpecial: false));
        Assert.Equal([128000, 9906], FromGguf.Encode("Hello", addBos: true, parseSpecial: false));
    }

    [Fact]
    public void UnknownModel_IsAFormatErrorNamingTheKey()
    {
        var metadata = VocabMetadata();
        metadata.Set("tokenizer.ggml.model", GgufValue.Of("bert"));
        var e = Assert.Throws<ModelFormatException>(() => GgufVocabularyReader.Read(metadata, "bert.gguf"));
        Assert.Contains("bert.gguf", e.Message);
        Assert.Contains("tokenizer.ggml.model", e.Message);
    }

    [Fact]
    public void UnknownPreTokenizer_IsAFormatError()
    {
        var metadata = VocabMetadata();
        metadata.Set("tokenizer.ggml.pre", GgufValue.Of("qwen2"));
        var e = Assert.Throws<ModelFormatException>(() => new Tokenizer(GgufVocabularyReader.Read(metadata, "qwen.gguf")));
        Assert.Contains("qwen2", e.Message);
    }

    [Fact]
    public void MissingMerges_IsAFormatError()
    {
        var metadata = VocabMetadata();
        metadata.Remove("tokenizer.ggml.merges");
        var e = Assert.Throws<ModelFormatException>(() => GgufVocabularyReader.Read(metadata, "nomerges.gguf"));
        Assert.Contains("merges", e.Message);
    }

    [Fact]
    public void MismatchedTokenTypeLength_IsAFormatError()
    {
        var metadata = VocabMetadata();
        metadata.Set("tokenizer.ggml.token_type", GgufValue.Of(new int[10]));
        var e = Assert.Throws<ModelFormatException>(() => GgufVocabularyReader.Read(metadata, "types.gguf"));
        Assert.Contains("token_type", e.Message);
        Assert.Contains("types.gguf", e.Message);
    }

    [Fact]
    public void BosIdOutOfRange_IsAFormatError()
    {
        var metadata = VocabMetadata();
        metadata.Set("tokenizer.ggml.bos_token_id", GgufValue.Of(200000u));
        var e = Assert.Throws<ModelFormatException>(() => GgufVocabularyReader.Read(metadata, "bos.gguf"));
        Assert.Contains("bos_token_id", e.Message);
    }

    [Fact]
    public void MissingTokens_IsAFormatErrorNamingTheKey()
    {
        var metadata = VocabMetadata();
        metadata.Remove("tokenizer.ggml.tokens");
        var e = Assert.Throws<ModelFormatException>(() => GgufVocabularyReader.Read(metadata, "notokens.gguf"));
        Assert.Contains("tokenizer.ggml.tokens", e.Message);
    }

    [Fact]
    public void MergeNamingAnUnknownToken_IsAFormatError()
    {
        var metadata = VocabMetadata();
        var merges = metadata.GetStringArray("tokenizer.ggml.merges").ToArray();
        merges[5] = "zzzq qqqz";
        metadata.Set("tokenizer.ggml.merges", GgufValue.Of(merges));
        var e = Assert.Throws<ModelFormatException>(() => new Tokenizer(GgufVocabularyReader.Read(metadata, "merge.gguf")));
        Assert.Contains("merge 5", e.Message);
    }
}
