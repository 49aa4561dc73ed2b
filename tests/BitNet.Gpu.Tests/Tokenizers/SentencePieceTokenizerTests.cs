using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

/// <summary>SentencePiece-style BPE on a small hand-built vocabulary whose merge order is fixed by the scores.</summary>
public class SentencePieceTokenizerTests
{
    // ids: 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then the pieces below in order.
    static readonly (string Piece, float Score)[] Pieces =
    [
        ("▁", -20), ("h", -21), ("e", -22), ("l", -23), ("o", -24), ("w", -25), ("r", -26), ("d", -27),
        ("▁h", -1), ("ll", -2), ("llo", -3), ("▁he", -4), ("▁hello", -5),
        ("▁w", -6), ("or", -7), ("ld", -8), ("▁wor", -9), ("▁world", -10),
    ];

    const int FirstPiece = 259;
    static int Id(string piece) => FirstPiece + Array.FindIndex(Pieces, p => p.Piece == piece);
    static int ByteId(byte b) => 3 + b;

    static Vocabulary BuildVocabulary(bool withByteTokens = true)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<TokenType> { TokenType.Unknown, TokenType.Control, TokenType.Control };
        var scores = new List<float> { 0, 0, 0 };
        for (int b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(withByteTokens ? TokenType.Byte : TokenType.Unused);
            scores.Add(0);
        }
        foreach (var (piece, score) in Pieces) { tokens.Add(piece); types.Add(TokenType.Normal); scores.Add(score); }
        return new Vocabulary
        {
            Source = "hand-built",
            Model = TokenizerModelKind.SentencePiece,
            Tokens = tokens,
            TokenTypes = types,
            Scores = scores,
            BosId = 1,
            EosId = 2,
            AddBos = true,
        };
    }

    static readonly Tokenizer Tok = new(BuildVocabulary());

    [Fact]
    public void AVocabularyThatCannotSpellEveryByte_IsRefusedWhenLoaded()
    {
        // Found by fuzzing: without <0xE2> and <unk>, encoding "…" threw InvalidOperationException from Encode.
        var v = BuildVocabulary();
        var types = v.TokenTypes.ToArray();
        types[0] = TokenType.Control; // no unknown token
        types[ByteId(0xE2)] = TokenType.Normal;
        var withoutByte = new Vocabulary
        {
            Source = "gap.gguf", Model = v.Model, Tokens = v.Tokens, TokenTypes = types, Scores = v.Scores, BosId = 1, EosId = 2,
        };
        var e = Assert.Throws<BitNet.Gpu.Model.ModelFormatException>(() => new Tokenizer(withoutByte));
        Assert.Contains("gap.gguf", e.Message);
        Assert.Contains("no byte token <0xE2> and no unknown token", e.Message);

        // With an unknown token the same gap is fine: the byte becomes <unk>.
        types[0] = TokenType.Unknown;
        var withUnknown = new Vocabulary { Source = "gap.gguf", Model = v.Model, Tokens = v.Tokens, TokenTypes = types, Scores = v.Scores };
        Assert.Equal([0], new Tokenizer(withUnknown).Encode("…", addBos: false, parseSpecial: false)[1..]);
    }

    [Fact]
    public void Words_MergeByScoreWithLeadingSpaceMark()
    {
        // "▁hello▁world": ▁h, ll, llo, ▁he, ▁hello, then ▁w, or, ld, ▁wor, ▁world, by descending score.
        Assert.Equal([Id("▁hello"), Id("▁world")], Tok.Encode("hello world", addBos: false, parseSpecial: false));
        Assert.Equal([1, Id("▁hello"), Id("▁world")], Tok.Encode("hello world", addBos: true, parseSpecial: false));
    }

    [Fact]
    public void UnknownCharacters_FallBackToUtf8ByteTokens()
    {
        // "▁hi▁é": ▁h merges; 'i' and 'é' (C3 A9) are not pieces.
        int[] expected = [Id("▁h"), ByteId((byte)'i'), Id("▁"), ByteId(0xC3), ByteId(0xA9)];
        Assert.Equal(expected, Tok.Encode("hi é", false, false));
        Assert.Equal("hi é", Tok.Decode(expected));
    }

    [Fact]
    public void WithoutByteTokens_UnknownCharactersBecomeUnk()
    {
        var tok = new Tokenizer(BuildVocabulary(withByteTokens: false));
        Assert.Equal([Id("▁h"), 0], tok.Encode("hi", false, false));
    }

    [Fact]
    public void ControlTokens_ParseOnlyWithParseSpecial_AndSpacePrefixFollowsThem()
    {
        Assert.Equal([Id("▁hello"), 2, Id("▁world")], Tok.Encode("hello</s>world", false, parseSpecial: true));
        int[] plain = Tok.Encode("hello</s>", false, parseSpecial: false);
        Assert.DoesNotContain(2, plain);
        Assert.Equal("hello</s>", Tok.Decode(plain));
    }

    [Fact]
    public void Decode_RemovesTheSpacePrefixOnce()
    {
        Assert.Equal("hello world", Tok.Decode([1, Id("▁hello"), Id("▁world")]));
        Assert.Equal(" hello", Tok.Decode(Tok.Encode(" hello", false, false)));
        Assert.Equal("", Tok.Decode(Tok.Encode("", false, false)));
    }

    [Fact]
    public void TokenBytes_SpellSpaceMarksAndByteTokens()
    {
        Assert.Equal(" hello"u8.ToArray(), Tok.TokenBytes(Id("▁hello")).ToArray());
        Assert.Equal(new byte[] { 0xC3 }, Tok.TokenBytes(ByteId(0xC3)).ToArray());
    }

    [Fact]
    public void RandomStrings_RoundTrip()
    {
        var random = new Random(1234);
        string[] alphabet = ["h", "e", "l", "o", "w", "r", "d", " ", "é", "€", "😀", "\n", "ll"];
        for (int n = 0; n < 300; n++)
        {
            string text = string.Concat(Enumerable.Range(0, random.Next(0, 20)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            Assert.Equal(text, Tok.Decode(Tok.Encode(text, false, false)));
        }
    }
}
