using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling;

/// <summary>The draw itself: greedy, empirical frequencies against the reference softmax, seeds, and input handling.</summary>
public class SamplerDrawTests
{
    [Fact]
    public void Greedy_PicksArgMax()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var logits = ReferenceSampler.RandomLogits(1000 + seed * 37, seed);
            var sampler = new Sampler(new SamplerOptions { Temperature = 0 }, logits.Length);
            Assert.Equal(ReferenceSampler.ArgMax(logits.Select(x => (double)x).ToArray()), sampler.Sample(logits, []));
        }
    }

    [Fact]
    public void Greedy_Tie_PicksLowerTokenId()
    {
        var logits = ReferenceSampler.RandomLogits(500, 2);
        float top = logits.Max() + 1;
        logits[321] = top;
        logits[123] = top;
        logits[400] = top;
        Assert.Equal(123, new Sampler(new SamplerOptions { Temperature = -1 }, 500).Sample(logits, []));
    }

    [Fact]
    public void TopK1_EqualsGreedy()
    {
        var sampler = new Sampler(new SamplerOptions { TopK = 1, Temperature = 1.5f, Seed = 9 }, 4096);
        for (int seed = 0; seed < 50; seed++)
        {
            var logits = ReferenceSampler.RandomLogits(4096, 100 + seed);
            Assert.Equal(ReferenceSampler.ArgMax(logits.Select(x => (double)x).ToArray()), sampler.Sample(logits, []));
        }
    }

    public static TheoryData<string, float, int, float, float> Settings => new()
    {
        // name, temperature, top-k, top-p, min-p
        { "temperature only", 0.7f, 0, 1f, 0f },
        { "hot temperature", 2.0f, 0, 1f, 0f },
        { "top-k", 1f, 4, 1f, 0f },
        { "top-p", 1f, 0, 0.8f, 0f },
        { "min-p", 1f, 0, 1f, 0.2f },
        { "llama.cpp defaults", 0.8f, 40, 0.95f, 0.05f },
    };

    /// <summary>
    /// 100,000 draws over 12 tokens. Each token's frequency must be within 5 standard deviations
    /// (sqrt(p(1-p)/N)) of the reference probability, and tokens the reference drops must never appear.
    /// </summary>
    [Theory]
    [MemberData(nameof(Settings))]
    public void EmpiricalFrequencies_MatchReferenceSoftmax(string name, float temperature, int topK, float topP, float minP)
    {
        const int draws = 100_000;
        var logits = ReferenceSampler.RandomLogits(12, 42, scale: 1.2f);
        var options = new SamplerOptions { Temperature = temperature, TopK = topK, TopP = topP, MinP = minP, Seed = 2024 };
        var expected = ReferenceSampler.Distribution(logits, [], options).Probabilities;
        Assert.True(expected.Count(p => p > 0) >= 2, "setting must leave a real choice");

        var counts = new int[logits.Length];
        var sampler = new Sampler(options, logits.Length);
        for (int i = 0; i < draws; i++) counts[sampler.Sample(logits, [])]++;

        for (int token = 0; token < logits.Length; token++)
        {
            double p = expected[token], frequency = (double)counts[token] / draws;
            if (p == 0)
            {
                Assert.True(counts[token] == 0, $"{name}: token {token} dropped by the reference was drawn {counts[token]} times");
                continue;
            }
            double tolerance = 5 * Math.Sqrt(p * (1 - p) / draws);
            Assert.True(Math.Abs(frequency - p) <= tolerance, $"{name}: token {token} frequency {frequency:F5}, expected {p:F5} ± {tolerance:F5}");
        }
    }

    [Fact]
    public void SameSeed_SameTokens_DifferentSeed_DifferentTokens()
    {
        var options = new SamplerOptions { Temperature = 1.2f, TopK = 0, TopP = 0.98f, MinP = 0, RepeatPenalty = 1.1f, Seed = 77 };
        var steps = Enumerable.Range(0, 200).Select(i => ReferenceSampler.RandomLogits(3000, 1000 + i, scale: 1f)).ToArray();

        var first = Generate(new Sampler(options, 3000), steps);
        var second = Generate(new Sampler(options, 3000), steps);
        var other = Generate(new Sampler(options with { Seed = 78 }, 3000), steps);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.True(first.Distinct().Count() > 50, "flat logits at temperature 1.2 should give varied tokens");
    }

    [Fact]
    public void RandomSeed_IsReportedAndReproducible()
    {
        var sampler = new Sampler(new SamplerOptions { Seed = null }, 100);
        var replay = new Sampler(new SamplerOptions { Seed = sampler.Seed }, 100);
        var steps = Enumerable.Range(0, 50).Select(i => ReferenceSampler.RandomLogits(100, i, scale: 1f)).ToArray();
        Assert.Equal(Generate(sampler, steps), Generate(replay, steps));
    }

    [Fact]
    public void Sample_DoesNotModifyCallerLogits()
    {
        var logits = ReferenceSampler.RandomLogits(5000, 3);
        var copy = logits.ToArray();
        var options = new SamplerOptions
        {
            RepeatPenalty = 1.5f, FrequencyPenalty = 0.5f, PresencePenalty = 0.5f, Seed = 1,
            LogitBias = new Dictionary<int, float> { [10] = float.NegativeInfinity, [11] = 3f },
        };
        new Sampler(options, 5000).Sample(logits, [1, 2, 3, 10, 11, 2]);
        Assert.Equal(copy, logits);
    }

    [Fact]
    public void Sample_RejectsBadInput()
    {
        var sampler = new Sampler(new SamplerOptions { RepeatPenalty = 1.2f, Seed = 1 }, 64);
        var logits = ReferenceSampler.RandomLogits(64, 1);

        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => sampler.Sample(new float[63], [])).ParamName);
        Assert.Equal("recentTokens", Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(logits, [5, 64])).ParamName);
        Assert.Equal("recentTokens", Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample(logits, [-1])).ParamName);

        var withNaN = logits.ToArray();
        withNaN[40] = float.NaN;
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => sampler.Sample(withNaN, [])).ParamName);
        var withInfinity = logits.ToArray();
        withInfinity[63] = float.PositiveInfinity;
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => sampler.Sample(withInfinity, [])).ParamName);

        // Still usable after rejected calls (no count left behind by the penalty bookkeeping).
        int token = sampler.Sample(logits, [1, 2, 2]);
        Assert.InRange(token, 0, 63);
    }

    [Fact]
    public void Constructor_RejectsBadVocabularyAndBias()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplerOptions(), 0));
        var error = Assert.Throws<ArgumentException>(() =>
            new Sampler(new SamplerOptions { LogitBias = new Dictionary<int, float> { [100] = 1f } }, 100));
        Assert.Equal(nameof(SamplerOptions.LogitBias), error.ParamName);
        Assert.Contains("--logit-bias", error.Message);
    }

    private static int[] Generate(Sampler sampler, float[][] steps)
    {
        var tokens = new List<int>();
        foreach (var logits in steps) tokens.Add(sampler.Sample(logits, tokens.ToArray()));
        return [.. tokens];
    }
}
