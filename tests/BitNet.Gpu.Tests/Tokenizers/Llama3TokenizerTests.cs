using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

public class Llama3TokenizerTests
{
    static Tokenizer Tok => Llama3TestData.FromJson;

    [Fact]
    public void TestVectorFileHas46Texts() => Assert.Equal(46, Llama3TestData.TestVectors().Count);

    [Theory]
    [MemberData(nameof(Llama3TestData.VectorIndices), MemberType = typeof(Llama3TestData))]
    public void TokenizerJson_EncodesLlamaCppTestVector(int index)
    {
        var (text, expected) = Llama3TestData.TestVectors()[index];
        Assert.Equal(expected, Tok.Encode(text, addBos: false, parseSpecial: false));
    }

    [Theory]
    [MemberData(nameof(Llama3TestData.VectorIndices), MemberType = typeof(Llama3TestData))]
    public void TokenizerJson_DecodesTestVectorBackToText(int index)
    {
        var (text, expected) = Llama3TestData.TestVectors()[index];
        Assert.Equal(text, Tok.Decode(expected));
    }

    [Fact]
    public void VocabularyFromTokenizerJson_HasLlama3SpecialIdsAndSettings()
    {
        var v = Tok.Vocabulary;
        Assert.Equal(TokenizerModelKind.ByteLevelBpe, v.Model);
        Assert.Equal("llama-bpe", v.PreTokenizer);
        Assert.Equal(128256, v.Count);
        Assert.Equal(128000, v.BosId);
        Assert.Equal(128001, v.EosId);
        Assert.Equal(128009, v.EotId);
        Assert.True(v.AddBos);
        Assert.Equal(TokenType.Control, v.TokenTypes[128009]);
        Assert.Equal(TokenType.Normal, v.TokenTypes[9906]);
        Assert.StartsWith("{% set loop_messages = messages %}", v.ChatTemplate);
    }

    [Fact]
    public void Bos_IsPrependedOnlyWhenAsked()
    {
        Assert.Equal([128000, 9906, 1917], Tok.Encode("Hello world", addBos: true, parseSpecial: false));
        Assert.Equal([9906, 1917], Tok.Encode("Hello world", addBos: false, parseSpecial: false));
        Assert.Equal([128000], Tok.Encode("", addBos: true, parseSpecial: false));
    }

    [Fact]
    public void SpecialTokens_AreSingleTokensOnlyWithParseSpecial()
    {
        const string text = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
        Assert.Equal([128006, 882, 128007, 271, 13347, 128009], Tok.Encode(text, addBos: false, parseSpecial: true));

        int[] plain = Tok.Encode(text, addBos: false, parseSpecial: false);
        Assert.DoesNotContain(plain, id => id >= 128000);
        Assert.Equal(text, Tok.Decode(plain));
    }

    [Fact]
    public void Decode_LeavesControlTokensOutUnlessAsked()
    {
        int[] ids = [128000, 9906, 128009];
        Assert.Equal("Hello", Tok.Decode(ids));
        Assert.Equal("<|begin_of_text|>Hello<|eot_id|>", Tok.Decode(ids, renderSpecial: true));
    }

    [Fact]
    public void TokenBytes_AreTheRawBytesOfAPiece()
    {
        Assert.Equal(" world"u8.ToArray(), Tok.TokenBytes(1917).ToArray());
        Assert.Equal("\n\n"u8.ToArray(), Tok.TokenBytes(271).ToArray());
        Assert.Equal("<|eot_id|>"u8.ToArray(), Tok.TokenBytes(128009).ToArray());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(128256)]
    [InlineData(int.MaxValue)]
    public void InvalidIds_ThrowArgumentOutOfRangeNamingTheId(int id)
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Decode([9906, id]));
        Assert.Contains(id.ToString(), e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => Tok.TokenBytes(id).ToArray());
        Assert.Contains(id.ToString(), e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tok.CreateStreamingDecoder().Append(id));
    }

    [Fact]
    public void LoneSurrogates_EncodeAsReplacementCharacter()
    {
        string withLone = "a\uD800b\uDC00c";
        Assert.Equal("a\uFFFDb\uFFFDc", Tok.Decode(Tok.Encode(withLone, false, false)));
        Assert.Equal(Tok.Encode("a\uFFFDb\uFFFDc", false, false), Tok.Encode(withLone, false, false));
    }

    [Fact]
    public void LettersOutsideTheBmp_AreLettersForThePreTokenizer()
    {
        // U+1D400 MATHEMATICAL BOLD CAPITAL A is \p{L}: " 𝐀𝐀" is one word, so it must match a word-wise encoding.
        int[] ids = Tok.Encode("x 𝐀𝐀", false, false);
        Assert.Equal("x 𝐀𝐀", Tok.Decode(ids));
        Assert.Equal(Tok.Encode("x", false, false).Concat(Tok.Encode(" 𝐀𝐀", false, false)), ids);
    }
}
