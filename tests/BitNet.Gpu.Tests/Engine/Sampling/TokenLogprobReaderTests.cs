using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling;

/// <summary>
/// Log-probabilities against a plain double-precision log-softmax on fresh random logits: the chosen token's value, and
/// the most likely tokens in order (ties by the lower id), within 1e-5 (float logits, a sum over up to 128,256 terms).
/// </summary>
public class TokenLogprobReaderTests
{
    const double Tolerance = 1e-5;

    static double[] ReferenceLogSoftmax(float[] logits)
    {
        double max = logits.Max();
        double logTotal = Math.Log(logits.Sum(l => Math.Exp(l - max)));
        return logits.Select(l => l - max - logTotal).ToArray();
    }

    [Theory]
    [InlineData(128_256, 20, 1)]
    [InlineData(128_256, 0, 2)]
    [InlineData(1001, 5, 3)]
    [InlineData(7, 7, 4)]
    public void ChosenAndTopTokens_MatchAPlainLogSoftmax(int vocab, int top, int seed)
    {
        var logits = ReferenceSampler.RandomLogits(vocab, seed, scale: 4f);
        logits[vocab / 2] = logits.Max(); // a tie for the most likely token: the lower id comes first
        var expected = ReferenceLogSoftmax(logits);
        var reader = new TokenLogprobReader(top, vocab);

        foreach (int token in new[] { 0, vocab / 3, vocab - 1 })
        {
            var read = reader.Read(logits, token);
            Assert.Equal(token, read.Token);
            Assert.InRange(read.Logprob, expected[token] - Tolerance, expected[token] + Tolerance);

            var ranking = Enumerable.Range(0, vocab).OrderByDescending(t => logits[t]).ThenBy(t => t).Take(top).ToArray();
            Assert.Equal(ranking, read.Top.Select(c => c.Token));
            foreach (var choice in read.Top)
                Assert.InRange(choice.Logprob, expected[choice.Token] - Tolerance, expected[choice.Token] + Tolerance);
        }
    }

    [Theory]
    [InlineData(128_256, 5)]
    [InlineData(1001, 6)]
    [InlineData(3, 7)]
    public void Rank_IsOnePlusTheTokensWithAHigherLogit_TiesSharingAPlace(int vocab, int seed)
    {
        var logits = ReferenceSampler.RandomLogits(vocab, seed, scale: 4f);
        logits[vocab - 1] = logits[0]; // a tie: both get the same rank
        var reader = new TokenLogprobReader(0, vocab);
        foreach (int token in new[] { 0, vocab / 2, vocab - 1, Array.IndexOf(logits, logits.Max()) })
            Assert.Equal(1 + logits.Count(l => l > logits[token]), reader.Read(logits, token).Rank);
        Assert.Equal(reader.Read(logits, 0).Rank, reader.Read(logits, vocab - 1).Rank);
        Assert.Equal(1, reader.Read(logits, Array.IndexOf(logits, logits.Max())).Rank);
    }

    [Fact]
    public void ACertainToken_HasLogprobZero_AndTheOthersMinusInfinityOrFar()
    {
        var logits = new float[] { -1000f, 50f, -1000f, 0f };
        var read = new TokenLogprobReader(2, logits.Length).Read(logits, 1);
        Assert.Equal(0f, read.Logprob, 6);
        Assert.Equal([1, 3], read.Top.Select(c => c.Token));
        Assert.InRange(read.Top[1].Logprob, -50.001f, -49.999f);
    }

    [Fact]
    public void MoreAlternativesThanTheLimit_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenLogprobReader(TokenLogprob.MaxTop + 1, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenLogprobReader(-1, 100));
    }
}
