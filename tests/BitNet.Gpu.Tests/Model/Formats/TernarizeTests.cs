using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class TernarizeTests
{
    [Fact]
    public void Absmean_RoundsScaledWeightsAndClamps()
    {
        // |w| sums to 4.5 exactly, mean 0.5625, s = 1/0.5625 in float32.
        float[] weights = [0.5f, -0.25f, 0.125f, 0f, 1f, -1.5f, 0.75f, -0.375f];
        var ternary = FormatTestData.PoisonedTernary(8);

        float scale = Ternarize.Absmean(weights, ternary);

        // w·s = 0.89, -0.44, 0.22, 0, 1.78, -2.67, 1.33, -0.67
        Assert.Equal(new sbyte[] { 1, 0, 0, 0, 1, -1, 1, -1 }, ternary);
        Assert.Equal(1f / (1f / 0.5625f), scale);
    }

    [Fact]
    public void Absmean_RoundsHalvesToEven()
    {
        // mean |w| = 2/8 = 0.25, so s = 4 exactly and w·s hits the ties 0.5, -0.5, 1.5 and 2.5.
        float[] weights = [0.125f, -0.125f, 0.375f, 0.625f, 0f, 0f, 0.25f, -0.5f];
        var ternary = FormatTestData.PoisonedTernary(8);

        float scale = Ternarize.Absmean(weights, ternary);

        // half-to-even: 0.5 -> 0 and -0.5 -> 0 (half away from zero would give ±1)
        Assert.Equal(new sbyte[] { 0, 0, 1, 1, 0, 0, 1, -1 }, ternary);
        Assert.Equal(0.25f, scale);
    }

    [Fact]
    public void Absmean_FloorsTheMeanAt1e5()
    {
        float[] weights = [2e-5f, 0, 0, 0, 0, 0, 0, -4e-6f];   // mean 3e-6 < 1e-5
        var ternary = FormatTestData.PoisonedTernary(8);

        float scale = Ternarize.Absmean(weights, ternary);

        float s = 1f / 1e-5f;
        Assert.Equal(new sbyte[] { 1, 0, 0, 0, 0, 0, 0, 0 }, ternary);   // 2e-5·s = 2 -> clamped; -4e-6·s = -0.4 -> 0
        Assert.Equal(1f / s, scale);
    }

    [Fact]
    public void Absmean_ReturnsZeroScaleWhenEveryValueRoundsToZero()
    {
        float[] weights = [1e-7f, -1e-7f, 1e-7f, 0, 0, 0, 0, 0];
        var ternary = FormatTestData.PoisonedTernary(8);

        Assert.Equal(0f, Ternarize.Absmean(weights, ternary));
        Assert.All(ternary, t => Assert.Equal(0, t));
    }

    [Fact]
    public void Absmean_OnRandomWeights_MatchesTheRuleWithAnAccurateMean()
    {
        var random = new Random(4);
        var weights = FormatTestData.RandomFloats(random, 3 * 8192 + 77, 0.05f);
        var ternary = FormatTestData.PoisonedTernary(weights.Length);

        float scale = Ternarize.Absmean(weights, ternary);

        double exactMean = weights.Sum(w => Math.Abs((double)w)) / weights.Length;
        Assert.InRange(scale, exactMean * (1 - 1e-5), exactMean * (1 + 1e-5));
        float s = 1f / scale;
        int mismatches = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double x = weights[i] * (double)s;
            if (Math.Abs(Math.Abs(x) - 0.5) < 1e-4)
                continue;   // too close to a rounding boundary to judge with a slightly different s
            if (Math.Clamp(Math.Round(x), -1, 1) != ternary[i])
                mismatches++;
        }
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void NumpySum_SmallRunsUseEightInterleavedAccumulators()
    {
        // 2^24 then fifteen 1s. Summed left to right every +1 is lost (2^24 + 1 ties to 2^24).
        // numpy: r[j] = a[j] + a[8 + j], so r0 = 2^24 + 1 -> 2^24 and r1..r7 = 2;
        // ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) = (2^24 + 2 + 4) + 8 = 2^24 + 14.
        var values = Enumerable.Repeat(1f, 16).ToArray();
        values[0] = 16777216f;
        Assert.Equal(16777230f, NumpySum.Float32(values));
    }

    [Fact]
    public void NumpySum_LongRunsSplitAtAMultipleOf8()
    {
        // 136 values split into 64 + 72. First half: r0 = 2^24 + seven 1s -> 2^24, r1..r7 = 8 -> 2^24 + 56.
        // Second half: 72 ones = 72. Total 2^24 + 128.
        var values = Enumerable.Repeat(1f, 136).ToArray();
        values[0] = 16777216f;
        Assert.Equal(16777216f + 128f, NumpySum.Float32(values));
    }

    [Fact]
    public void NumpySum_AddsBuffersOf8192InOrder()
    {
        // 2^24 at 0 and 1s at 8192 and 16384, zeros elsewhere. numpy's reduction sums each 8192-value buffer
        // and adds the buffer sums in order: 2^24 + 1 -> 2^24, twice. (One pairwise tree would keep the 2.)
        var values = new float[16385];
        values[0] = 16777216f;
        values[8192] = 1f;
        values[16384] = 1f;
        Assert.Equal(16777216f, NumpySum.Float32(values));
    }

    [Fact]
    public void Absmean_RejectsWrongLengthsAndEmptyInput()
    {
        var e = Assert.Throws<ArgumentException>(() => Ternarize.Absmean(new float[8], new sbyte[7]));
        Assert.Equal("ternary", e.ParamName);
        Assert.Throws<ArgumentException>(() => Ternarize.Absmean([], []));
    }
}
