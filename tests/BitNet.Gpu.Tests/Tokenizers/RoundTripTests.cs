using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

public class RoundTripTests
{
    static Tokenizer Tok => Llama3TestData.FromJson;

    [Fact]
    public void RandomUnicode_DecodesBackToItself()
    {
        var random = new Random(20260101);
        for (int n = 0; n < 500; n++)
        {
            string text = RandomText.Generate(random, 60);
            int[] ids = Tok.Encode(text, addBos: false, parseSpecial: false);
            Assert.Equal(text, Tok.Decode(ids));
            Assert.Equal(ids, Tok.Encode(text, addBos: false, parseSpecial: true)); // no control-token text in it
        }
    }

    [Fact]
    public void RandomUnicode_WithBos_DecodesBackToItself()
    {
        var random = new Random(7);
        for (int n = 0; n < 100; n++)
        {
            string text = RandomText.Generate(random, 30);
            int[] ids = Tok.Encode(text, addBos: true, parseSpecial: false);
            Assert.Equal(128000, ids[0]);
            Assert.Equal(text, Tok.Decode(ids));
        }
    }

    [Fact]
    public void LongRunOfOneLetter_EncodesAndRoundTrips()
    {
        // A 20000-letter word exercises the merge queue on one long pre-token.
        string text = new('a', 20000);
        int[] ids = Tok.Encode(text, false, false);
        Assert.True(ids.Length < 20000 / 2);
        Assert.Equal(text, Tok.Decode(ids));
    }
}
