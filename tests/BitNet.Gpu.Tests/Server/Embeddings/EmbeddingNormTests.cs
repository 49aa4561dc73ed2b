using BitNet.Gpu.Server.Embeddings;

namespace BitNet.Gpu.Tests.Server.Embeddings;

/// <summary>llama.cpp's embd_normalize on fresh random vectors, against each norm's formula in double; extreme values neither overflow nor vanish.</summary>
public class EmbeddingNormTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(64)]
    public void EachNorm_ScalesTheVectorSoItsNormIsOne(int norm)
    {
        var random = new Random(Environment.TickCount);
        var vector = Enumerable.Range(0, 257).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var scaled = EmbeddingNorm.Apply(vector, norm);
        double measured = norm switch
        {
            0 => scaled.Max(x => Math.Abs((double)x)) / 32760,
            1 => scaled.Sum(x => Math.Abs((double)x)),
            2 => Math.Sqrt(scaled.Sum(x => (double)x * x)),
            _ => Math.Pow(scaled.Sum(x => Math.Pow(Math.Abs((double)x), norm)), 1.0 / norm),
        };
        Assert.InRange(measured, 1 - 1e-5, 1 + 1e-5);
        double scale = scaled[0] / vector[0];
        for (int i = 0; i < vector.Length; i++) Assert.InRange(scaled[i], vector[i] * scale - 1e-5 * Math.Abs(scaled[i]) - 1e-6, vector[i] * scale + 1e-5 * Math.Abs(scaled[i]) + 1e-6);
    }

    [Fact]
    public void NoneLeavesTheVector_AndAZeroVectorStaysZero()
    {
        float[] vector = [1.5f, -2f];
        Assert.Same(vector, EmbeddingNorm.Apply(vector, -1));
        foreach (int norm in new[] { 0, 1, 2, 5 }) Assert.All(EmbeddingNorm.Apply([0f, 0f, 0f], norm), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void APNorm_OfHugeAndTinyValues_IsFinite()
    {
        float[] huge = [3e38f, -3e38f, 1e-30f];
        var scaled = EmbeddingNorm.Apply(huge, 64);
        Assert.All(scaled, x => Assert.True(float.IsFinite(x)));
        Assert.InRange(Math.Abs(scaled[0]), 0.98, 1.0);
    }
}
