using System.Text;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

public class StreamingDecoderTests
{
    static Tokenizer Tok => Llama3TestData.FromJson;

    // The byte-level token that stands for one raw byte.
    static int ByteToken(byte b) => Enumerable.Range(0, 256)
        .First(id => Tok.TokenBytes(id).Length == 1 && Tok.TokenBytes(id)[0] == b && Tok.GetTokenType(id) == TokenType.Normal);

    [Fact]
    public void MultiByteCharacterSplitAcrossTokens_IsHeldBackUntilComplete()
    {
        var decoder = Tok.CreateStreamingDecoder();
        Assert.Equal("a", decoder.Append(ByteToken((byte)'a')));
        Assert.Equal("", decoder.Append(ByteToken(0xE2)));  // € = E2 82 AC
        Assert.Equal("", decoder.Append(ByteToken(0x82)));
        Assert.Equal("€", decoder.Append(ByteToken(0xAC)));
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void FourByteCharacter_ComesOutAsOneSurrogatePair()
    {
        var decoder = Tok.CreateStreamingDecoder();
        byte[] emoji = Encoding.UTF8.GetBytes("😀");
        var chunks = emoji.Select(b => decoder.Append(ByteToken(b))).ToList();
        Assert.Equal(["", "", "", "😀"], chunks);
    }

    [Fact]
    public void InvalidBytes_BecomeReplacementCharacters_NeverBrokenText()
    {
        var decoder = Tok.CreateStreamingDecoder();
        Assert.Equal("", decoder.Append(ByteToken(0xE2)));
        Assert.Equal("\uFFFDx", decoder.Append(ByteToken((byte)'x'))); // E2 then 'x': the E2 was never completed
        Assert.Equal("", decoder.Append(ByteToken(0xF0)));
        Assert.Equal("", decoder.Append(ByteToken(0x9F)));
        Assert.Equal("\uFFFD", decoder.Flush()); // stream ended inside a character
    }

    [Fact]
    public void ControlTokens_AreSilentUnlessAsked()
    {
        Assert.Equal("", Tok.CreateStreamingDecoder().Append(128009));
        Assert.Equal("<|eot_id|>", Tok.CreateStreamingDecoder(renderSpecial: true).Append(128009));
    }

    [Fact]
    public void StreamingRandomText_ConcatenatesToTheText_WithEveryChunkWholeCharacters()
    {
        var random = new Random(42);
        int heldBack = 0;
        for (int n = 0; n < 100; n++)
        {
            string text = RandomText.Generate(random, 40);
            var decoder = Tok.CreateStreamingDecoder();
            var output = new StringBuilder();
            foreach (int id in Tok.Encode(text, false, false))
            {
                string chunk = decoder.Append(id);
                if (chunk.Length == 0) heldBack++;
                Assert.True(RandomText.IsWellFormed(chunk), $"chunk {chunk} has a lone surrogate");
                output.Append(chunk);
            }
            output.Append(decoder.Flush());
            Assert.Equal(text, output.ToString());
        }
        Assert.True(heldBack > 0, "no token ended inside a character; the test would not exercise holding back");
    }
}
