using BitNet.Gpu.Engine.Generation;

namespace BitNet.Gpu.Tests.Engine.Generation;

/// <summary>
/// The generation speed divides the tokens after the first (the first is sampled from the prompt's logits, so its time
/// is the prompt's): GenerationStats says how many that is, so the CLI prints the count it divides without recounting.
/// </summary>
public class GenerationStatsTests
{
    static GenerationStats Stats(int generated, double milliseconds) =>
        new(PromptTokens: 4, TimeSpan.FromMilliseconds(10), generated, TimeSpan.FromMilliseconds(milliseconds), "length");

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(8, 7)]
    public void TheTimedTokensAreTheOnesAfterTheFirst(int generated, int timed) =>
        Assert.Equal(timed, Stats(generated, 25).TimedTokens);

    [Fact]
    public void TheGenerationSpeedDividesTheTimedTokens()
    {
        var stats = Stats(8, 25);
        Assert.Equal(stats.TimedTokens / 0.025, stats.GenerationTokensPerSecond, 1e-9);
    }
}
