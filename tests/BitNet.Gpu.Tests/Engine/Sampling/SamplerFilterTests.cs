using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling;

/// <summary>
/// The distribution the sampler draws from (top-k, top-p, min-p, temperature, penalties, bias) against the plain
/// reference, on fresh random logits, including a full 128,256-token vocabulary where the fast paths kick in.
/// </summary>
public class SamplerFilterTests
{
    private const int LlamaVocab = 128_256;

    public static TheoryData<string, int, float, int, float, float> Configurations => new()
    {
        // name, vocab, temperature, top-k, top-p, min-p
        { "defaults", LlamaVocab, 0.8f, 40, 0.95f, 0.05f },
        { "top-p over the whole vocabulary (binning path)", LlamaVocab, 0.8f, 0, 0.95f, 0f },
        { "top-p 0.5 whole vocabulary", LlamaVocab, 1.3f, 0, 0.5f, 0f },
        { "top-p with min-p deciding", LlamaVocab, 0.8f, 0, 0.95f, 0.05f },
        { "top-p with min-p small", LlamaVocab, 1f, 0, 0.9f, 0.0001f },
        { "large top-k then top-p", LlamaVocab, 0.7f, 5000, 0.8f, 0f },
        { "min-p only", LlamaVocab, 1.5f, 0, 1f, 0.02f },
        { "no truncation", LlamaVocab, 1f, 0, 1f, 0f },
        { "small vocab top-k", 50, 0.9f, 7, 1f, 0f },
        { "small vocab top-p", 50, 1.1f, 0, 0.7f, 0f },
        { "odd vocab all filters", 1001, 0.6f, 300, 0.9f, 0.01f },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Distribution_MatchesReference(string name, int vocab, float temperature, int topK, float topP, float minP)
    {
        var options = new SamplerOptions { Temperature = temperature, TopK = topK, TopP = topP, MinP = minP, Seed = 1 };
        for (int seed = 0; seed < 3; seed++)
        {
            var logits = ReferenceSampler.RandomLogits(vocab, seed * 7919 + vocab, scale: 2.5f);
            AssertMatchesReference(options, logits, [], $"{name}, seed {seed}");
        }
    }

    [Theory]
    [InlineData(0.01f, 0.95f)]
    [InlineData(0.3f, 0.5f)]
    [InlineData(40f, 0.99f)]
    public void Distribution_WholeVocabularyTopP_NarrowAndWideLogits(float scale, float topP)
    {
        // Narrow logits all fall in one first-pass bucket (forcing further binning); wide ones overflow the first span.
        var logits = ReferenceSampler.RandomLogits(LlamaVocab, 31, scale);
        var options = new SamplerOptions { Temperature = 1f, TopK = 0, TopP = topP, MinP = 0, Seed = 1 };
        AssertMatchesReference(options, logits, [], $"scale {scale}");
    }

    [Theory]
    [InlineData(40, 0.95f, 0.05f)]
    [InlineData(0, 0.95f, 0f)]
    [InlineData(0, 0.6f, 0f)]
    [InlineData(3, 1f, 0f)]
    public void Distribution_WithManyTiedLogits_KeepsLowerIdsFirst(int topK, float topP, float minP)
    {
        // Logits rounded to coarse steps: cuts land inside groups of equal logits, which must split by token id.
        var logits = ReferenceSampler.RandomLogits(20_000, 99, scale: 1.5f).Select(x => MathF.Round(x * 2) / 2).ToArray();
        var options = new SamplerOptions { Temperature = 0.9f, TopK = topK, TopP = topP, MinP = minP, Seed = 1 };
        AssertMatchesReference(options, logits, [], "ties");
    }

    [Fact]
    public void Penalties_ChangeSeenTokensByLlamaCppRules()
    {
        var logits = ReferenceSampler.RandomLogits(300, 5);
        var random = new Random(6);
        int[] recent = Enumerable.Range(0, 100).Select(_ => random.Next(40)).ToArray(); // repeats, older ones outside the window
        var options = new SamplerOptions
        {
            Temperature = 1, TopK = 0, TopP = 1, MinP = 0,
            RepeatPenalty = 1.3f, FrequencyPenalty = 0.4f, PresencePenalty = 0.25f, PenaltyWindow = 32,
        };

        // With nothing truncated and temperature 1, log p_i - log p_j equals the adjusted logit difference.
        var probabilities = Probabilities(options, logits, recent);
        var expected = ReferenceSampler.AdjustedLogits(logits, recent, options);
        for (int token = 1; token < logits.Length; token++)
        {
            double actualDifference = Math.Log(probabilities[token]) - Math.Log(probabilities[0]);
            Assert.Equal(expected[token] - expected[0], actualDifference, 1e-4);
        }

        // And the adjustment really happened where it should (so the check above cannot pass with penalties ignored).
        int seenPositive = recent[^32..].First(t => logits[t] > 0), unseen = Enumerable.Range(0, 300).First(t => !recent.Contains(t));
        Assert.NotEqual(logits[seenPositive], expected[seenPositive], 3);
        Assert.Equal(logits[unseen], expected[unseen], 6);
    }

    [Fact]
    public void Penalties_HandWorkedToken()
    {
        // token 0 (positive, seen twice), token 1 (negative, seen once), token 2 (seen only outside the window), token 3 unseen.
        float[] logits = [2.0f, -1.0f, 0.5f, 1.0f];
        int[] recent = [2, 0, 1, 0];
        var options = new SamplerOptions
        {
            Temperature = 1, TopK = 0, TopP = 1, MinP = 0,
            RepeatPenalty = 2f, FrequencyPenalty = 0.1f, PresencePenalty = 0.3f, PenaltyWindow = 3,
        };
        float[] adjusted = [2.0f / 2f - 2 * 0.1f - 0.3f, -1.0f * 2f - 0.1f - 0.3f, 0.5f, 1.0f];

        var probabilities = Probabilities(options, logits, recent);
        for (int token = 1; token < 4; token++)
            Assert.Equal(adjusted[token] - adjusted[0], Math.Log(probabilities[token] / probabilities[0]), 1e-5);
    }

    [Fact]
    public void LogitBias_AddsAndBans()
    {
        var logits = ReferenceSampler.RandomLogits(1000, 8);
        int best = ReferenceSampler.ArgMax(logits.Select(x => (double)x).ToArray());
        var bias = new Dictionary<int, float> { [best] = float.NegativeInfinity, [3] = 2.5f, [500] = -1f };
        var options = new SamplerOptions { Temperature = 1, TopK = 0, TopP = 1, MinP = 0, LogitBias = bias, Seed = 3 };

        AssertMatchesReference(options, logits, [], "bias");
        Assert.Equal(0f, Probabilities(options, logits, [])[best]);

        var sampler = new Sampler(options, logits.Length);
        for (int i = 0; i < 2000; i++) Assert.NotEqual(best, sampler.Sample(logits, []));
        var greedy = new Sampler(options with { Temperature = 0 }, logits.Length);
        Assert.NotEqual(best, greedy.Sample(logits, []));
    }

    [Fact]
    public void LogitBias_BanningEveryToken_Throws()
    {
        var bias = Enumerable.Range(0, 8).ToDictionary(t => t, _ => float.NegativeInfinity);
        var sampler = new Sampler(new SamplerOptions { LogitBias = bias }, 8);
        var error = Assert.Throws<ArgumentException>(() => sampler.Sample(ReferenceSampler.RandomLogits(8, 1), []));
        Assert.Equal("logits", error.ParamName);
    }

    private static float[] Probabilities(SamplerOptions options, float[] logits, int[] recent)
    {
        var probabilities = Enumerable.Repeat(float.NaN, logits.Length).ToArray(); // poisoned
        new Sampler(options, logits.Length).Probabilities(logits, recent, probabilities);
        return probabilities;
    }

    private static void AssertMatchesReference(SamplerOptions options, float[] logits, int[] recent, string what)
    {
        var actual = Probabilities(options, logits, recent);
        var expected = ReferenceSampler.Distribution(logits, recent, options);
        var keptActual = Enumerable.Range(0, logits.Length).Where(t => actual[t] > 0).ToHashSet();
        var keptExpected = Enumerable.Range(0, logits.Length).Where(t => expected.Probabilities[t] > 0).ToHashSet();
        var disagreements = keptActual.ToHashSet();
        disagreements.SymmetricExceptWith(keptExpected);
        disagreements.ExceptWith(expected.Borderline);
        Assert.True(disagreements.Count == 0,
            $"{what}: kept {keptActual.Count} tokens, reference {keptExpected.Count}; differing: {string.Join(", ", disagreements.Take(10))}");
        Assert.True(keptExpected.Count > 0);

        // Compare over the common kept set, renormalised (a borderline token changes the normaliser slightly).
        var common = keptActual.Intersect(keptExpected).ToArray();
        double actualSum = common.Sum(t => (double)actual[t]), expectedSum = common.Sum(t => expected.Probabilities[t]);
        foreach (int t in common)
        {
            double a = actual[t] / actualSum, e = expected.Probabilities[t] / expectedSum;
            Assert.True(Math.Abs(a - e) <= 1e-4 * e + 1e-9, $"{what}: token {t} p={a} expected {e}");
        }
    }
}
