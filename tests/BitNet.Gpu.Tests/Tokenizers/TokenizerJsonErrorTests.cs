using System.Text;
using BitNet.Gpu.Model;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

public class TokenizerJsonErrorTests
{
    // A tiny valid byte-level BPE tokenizer.json: the 256 byte tokens, "ab" from one merge, and one special token.
    static string ValidJson(string? model = null, string? extra = null)
    {
        var vocab = new StringBuilder();
        for (int b = 0; b < 256; b++)
            vocab.Append($"{System.Text.Json.JsonSerializer.Serialize(ByteLevelToken(b))}: {b}, ");
        vocab.Append("\"ab\": 256");
        model ??= $$"""{ "type": "BPE", "vocab": { {{vocab}} }, "merges": ["a b"] }""";
        return $$"""
            { "added_tokens": [ { "id": 257, "content": "<|end|>", "special": true } ],
              "pre_tokenizer": { "type": "ByteLevel" }, {{extra}}
              "model": {{model}} }
            """;
    }

    static string ByteLevelToken(int b)
    {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) return ((char)b).ToString();
        int n = 0;
        for (int x = 0; x < b; x++)
            if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) n++;
        return ((char)(256 + n)).ToString();
    }

    static Vocabulary Read(string json, string? config = null) =>
        HuggingFaceVocabularyReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "tok.json",
            config is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(config)), "tok_config.json");

    [Fact]
    public void ValidMiniatureFile_Reads()
    {
        var v = Read(ValidJson());
        Assert.Equal(258, v.Count);
        Assert.Equal(TokenType.Control, v.TokenTypes[257]);
        Assert.Equal(["a b"], v.Merges);
        Assert.Null(v.PreTokenizer); // not Llama 3's regex
    }

    [Fact]
    public void NonLlama3ByteLevelVocabulary_WithoutKnownPreTokenizer_IsRejected()
    {
        var e = Assert.Throws<ModelFormatException>(() => new Tokenizer(Read(ValidJson())));
        Assert.Contains("tok.json", e.Message);
        Assert.Contains("pre", e.Message);
    }

    [Theory]
    [InlineData("{ \"model\": ", "not valid JSON")]
    [InlineData("[1, 2, 3]", "(root)")]
    [InlineData("{ \"version\": \"1.0\" }", "model is missing")]
    [InlineData("{ \"model\": { \"type\": \"Unigram\", \"vocab\": [] } }", "Unigram")]
    [InlineData("{ \"model\": { \"type\": \"BPE\", \"vocab\": [], \"merges\": [] }, \"decoder\": { \"type\": \"ByteLevel\" } }", "model.vocab")]
    [InlineData("{ \"model\": { \"type\": \"BPE\", \"vocab\": { \"a\": \"x\" } }, \"decoder\": { \"type\": \"ByteLevel\" } }", "model.vocab[\"a\"]")]
    [InlineData("{ \"model\": { \"type\": \"BPE\", \"vocab\": { \"a\": 0 }, \"merges\": [ 5 ] }, \"decoder\": { \"type\": \"ByteLevel\" } }", "model.merges[0]")]
    [InlineData("{ \"model\": { \"type\": \"BPE\", \"vocab\": { \"a\": 0 } } }", "neither byte-level")]
    public void MalformedFiles_NameTheFileAndField(string json, string detail)
    {
        var e = Assert.Throws<ModelFormatException>(() => Read(json));
        Assert.Contains("tok.json", e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void NestingPastTheReadersDepthLimit_IsAFormatError()
    {
        // System.Text.Json's reader is bounded (MaxDepth 256), so 100,000 nested arrays are refused, not recursed into.
        string deep = new string('[', 100_000) + new string(']', 100_000);
        var e = Assert.Throws<ModelFormatException>(() => Read(ValidJson(extra: $"\"normalizer\": {deep},")));
        Assert.Contains("tok.json", e.Message);
        Assert.Contains("depth of 256", e.Message);

        e = Assert.Throws<ModelFormatException>(() => Read(ValidJson(), $"{{ \"chat_template\": {deep} }}"));
        Assert.Contains("tok_config.json", e.Message);
        Assert.Contains("depth of 256", e.Message);
    }

    [Fact]
    public void InvalidUtf8InAString_IsAFormatErrorNamingTheByte()
    {
        // Found by fuzzing: the JSON reader checks only structure, and reading the string threw InvalidOperationException.
        byte[] json = [.. "{\"model\":{\"type\":\"BPE\",\"vocab\":{}},\"decoder\":\""u8, 0x88, .. "\"}"u8];
        var e = Assert.Throws<ModelFormatException>(() => HuggingFaceVocabularyReader.Read(new MemoryStream(json), "tok.json"));
        Assert.Contains("tok.json", e.Message);
        Assert.Contains("not valid UTF-8 (at byte 46)", e.Message);

        byte[] config = [.. "{\"bos_token\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        e = Assert.Throws<ModelFormatException>(() => HuggingFaceVocabularyReader.Read(
            new MemoryStream(Encoding.UTF8.GetBytes(ValidJson())), "tok.json", new MemoryStream(config), "tok_config.json"));
        Assert.Contains("tok_config.json", e.Message);
        Assert.Contains("not valid UTF-8 (at byte 14)", e.Message);
    }

    [Fact]
    public void AnEscapedLoneSurrogate_IsAFormatErrorNamingWhere()
    {
        // Found by fuzzing: "\uDDDD" parses, but reading the string threw InvalidOperationException.
        string json = ValidJson().Replace("\"ab\": 256", "\"a\\uDDDDb\": 256");
        var e = Assert.Throws<ModelFormatException>(() => Read(json));
        Assert.Contains("tok.json", e.Message);
        Assert.Contains("(root).model.vocab (a property name): a string escapes a lone surrogate", e.Message);

        e = Assert.Throws<ModelFormatException>(() => Read(ValidJson(), "{ \"chat_template\": \"\\ud800\" }"));
        Assert.Contains("tok_config.json", e.Message);
        Assert.Contains("(root).chat_template: a string escapes a lone surrogate", e.Message);

        // A surrogate pair, escaped, is text.
        Assert.Equal("\U0001F600", Read(ValidJson(), "{ \"chat_template\": \"\\ud83d\\ude00\" }").ChatTemplate);
    }

    [Fact]
    public void AnIdFarPastTheTokens_IsAFormatError()
    {
        // Found by fuzzing: one added token with id 8,966,666 made millions of placeholder tokens (20 s to load).
        string json = ValidJson().Replace("\"id\": 257", "\"id\": 8966666");
        var e = Assert.Throws<ModelFormatException>(() => Read(json));
        Assert.Contains("tok.json", e.Message);
        Assert.Contains("token id 8966666 leaves 8,966,409 ids without a token, more than the 1,024 allowed for 258 tokens", e.Message);

        // A few holes are placeholders, as llama.cpp's converter writes them.
        var v = Read(ValidJson().Replace("\"id\": 257", "\"id\": 300"));
        Assert.Equal(301, v.Count);
        Assert.Equal("[PAD280]", v.Tokens[280]);
    }

    [Fact]
    public void MergeOfUnknownTokens_IsRejected()
    {
        string json = ValidJson().Replace("\"merges\": [\"a b\"]", "\"merges\": [\"a b\", \"q zz\"]");
        var e = Assert.Throws<ModelFormatException>(() => new ByteLevelVocabularyProbe(Read(json)).Build());
        Assert.Contains("merge 1", e.Message);
    }

    [Fact]
    public void MissingMerges_IsRejected()
    {
        string json = ValidJson().Replace("\"merges\": [\"a b\"]", "\"merges\": []");
        var e = Assert.Throws<ModelFormatException>(() => Read(json));
        Assert.Contains("merges", e.Message);
    }

    [Fact]
    public void ConfigBosThatIsNotAToken_IsRejected()
    {
        var e = Assert.Throws<ModelFormatException>(() => Read(ValidJson(), "{ \"bos_token\": \"<nope>\" }"));
        Assert.Contains("tok_config.json", e.Message);
        Assert.Contains("bos_token", e.Message);
    }

    [Fact]
    public void ConfigSettings_AreRead()
    {
        var v = Read(ValidJson(), """{ "bos_token": { "content": "<|end|>" }, "eos_token": "<|end|>", "add_bos_token": false, "chat_template": "{{ 'x' }}" }""");
        Assert.Equal(257, v.BosId);
        Assert.Equal(257, v.EosId);
        Assert.False(v.AddBos);
        Assert.Equal("{{ 'x' }}", v.ChatTemplate);
    }

    [Fact]
    public void MissingFile_IsAFormatErrorNamingIt()
    {
        var e = Assert.Throws<ModelFormatException>(() => HuggingFaceVocabularyReader.Read("/nonexistent/tokenizer.json"));
        Assert.Contains("/nonexistent/tokenizer.json", e.Message);
    }

    // Builds a tokenizer with a Llama 3 pre-tokenizer name so only the merge table is under test.
    sealed class ByteLevelVocabularyProbe(Vocabulary v)
    {
        public Tokenizer Build() => new(new Vocabulary
        {
            Source = v.Source, Model = v.Model, PreTokenizer = "llama-bpe", Tokens = v.Tokens, TokenTypes = v.TokenTypes, Merges = v.Merges,
        });
    }
}
