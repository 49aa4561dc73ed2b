using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling;

public class SamplerOptionsTests
{
    [Fact]
    public void Defaults_AreLlamaCppDefaults_AndValid()
    {
        var options = new SamplerOptions();
        Assert.Equal((0.8f, 40, 0.95f, 0.05f), (options.Temperature, options.TopK, options.TopP, options.MinP));
        Assert.Equal((1.0f, 0f, 0f, 64), (options.RepeatPenalty, options.FrequencyPenalty, options.PresencePenalty, options.PenaltyWindow));
        Assert.Empty(options.LogitBias);
        Assert.Null(options.Seed);
        options.Validate();
    }

    public static TheoryData<SamplerOptions, string, string> Invalid => new()
    {
        { new() { Temperature = float.NaN }, "Temperature", "--temp" },
        { new() { Temperature = float.PositiveInfinity }, "Temperature", "--temp" },
        { new() { TopK = -1 }, "TopK", "--top-k must be 0 (disabled) or positive, got -1" },
        { new() { TopP = 1.5f }, "TopP", "--top-p must be in (0, 1], got 1.5" },
        { new() { TopP = 0f }, "TopP", "--top-p must be in (0, 1], got 0" },
        { new() { TopP = float.NaN }, "TopP", "--top-p" },
        { new() { MinP = -0.1f }, "MinP", "--min-p must be in [0, 1], got -0.1" },
        { new() { MinP = 1.01f }, "MinP", "--min-p" },
        { new() { RepeatPenalty = 0f }, "RepeatPenalty", "--repeat-penalty" },
        { new() { RepeatPenalty = -1f }, "RepeatPenalty", "--repeat-penalty" },
        { new() { FrequencyPenalty = float.NaN }, "FrequencyPenalty", "--frequency-penalty" },
        { new() { PresencePenalty = float.NegativeInfinity }, "PresencePenalty", "--presence-penalty" },
        { new() { PenaltyWindow = -1 }, "PenaltyWindow", "--repeat-last-n must be 0 (off) or positive, got -1" },
        { new() { LogitBias = new Dictionary<int, float> { [-3] = 1f } }, "LogitBias", "--logit-bias token id must be >= 0, got -3" },
        { new() { LogitBias = new Dictionary<int, float> { [3] = float.NaN } }, "LogitBias", "--logit-bias" },
        { new() { LogitBias = new Dictionary<int, float> { [3] = float.PositiveInfinity } }, "LogitBias", "--logit-bias" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_NamesTheOptionAndFlag(SamplerOptions options, string parameter, string message)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(message, error.Message);
        Assert.Throws<ArgumentException>(() => new Sampler(options, 100)); // the constructor validates too
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-2f)]
    public void Validate_AcceptsZeroOrNegativeTemperatureAsGreedy(float temperature)
    {
        var options = new SamplerOptions { Temperature = temperature };
        options.Validate();
        Assert.True(options.IsGreedy);
    }

    [Fact]
    public void Validate_AcceptsEdgeValues()
    {
        new SamplerOptions { TopK = 0, TopP = 1, MinP = 0, PenaltyWindow = 0, FrequencyPenalty = -0.5f, PresencePenalty = -1f }.Validate();
        new SamplerOptions { MinP = 1, LogitBias = new Dictionary<int, float> { [7] = float.NegativeInfinity } }.Validate();
    }
}
