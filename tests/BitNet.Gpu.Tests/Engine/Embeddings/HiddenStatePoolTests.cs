using BitNet.Gpu.Engine.Embeddings;

namespace BitNet.Gpu.Tests.Engine.Embeddings;

/// <summary>HiddenStatePool against the formulas written out: mean and last pooling of random rows fed in random chunks, with and without normalization.</summary>
public class HiddenStatePoolTests
{
    static float[] Rows(Random random, int rows, int width) =>
        Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();

    static float[] Pool(float[] rows, int width, EmbeddingPooling pooling, bool normalize, Random random)
    {
        var pool = new HiddenStatePool(width, pooling);
        for (int start = 0; start < rows.Length;) // chunks of 1 to 5 rows, as the scheduler's steps cut a prompt
        {
            int take = Math.Min(random.Next(1, 6) * width, rows.Length - start);
            pool.Add(rows.AsSpan(start, take));
            start += take;
        }
        Assert.Equal(rows.Length / width, pool.Rows);
        return pool.Result(normalize);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public void Mean_IsTheAverageOfTheRows_AndUnitLengthWhenNormalized(int count)
    {
        var random = new Random(count);
        const int width = 33;
        var rows = Rows(random, count, width);
        var expected = Enumerable.Range(0, width).Select(i => Enumerable.Range(0, count).Average(r => (double)rows[r * width + i])).ToArray();

        var mean = Pool(rows, width, EmbeddingPooling.Mean, normalize: false, random);
        for (int i = 0; i < width; i++) Assert.Equal(expected[i], mean[i], 1e-5);

        var unit = Pool(rows, width, EmbeddingPooling.Mean, normalize: true, random);
        double norm = Math.Sqrt(expected.Sum(v => v * v));
        for (int i = 0; i < width; i++) Assert.Equal(expected[i] / norm, unit[i], 1e-5);
        Assert.Equal(1.0, Math.Sqrt(unit.Sum(v => (double)v * v)), 1e-5);
    }

    [Fact]
    public void Last_IsTheLastRow()
    {
        var random = new Random(5);
        const int width = 16;
        var rows = Rows(random, 11, width);
        Assert.Equal(rows[^width..], Pool(rows, width, EmbeddingPooling.Last, normalize: false, random));
    }

    [Fact]
    public void AZeroVector_StaysZero_AndNothingPooledOrAPartRowIsRefused()
    {
        var pool = new HiddenStatePool(4, EmbeddingPooling.Mean);
        Assert.Throws<InvalidOperationException>(() => pool.Result(normalize: true));
        Assert.Throws<ArgumentException>(() => pool.Add(new float[6]));
        pool.Add(new float[8]);
        Assert.Equal(new float[4], pool.Result(normalize: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HiddenStatePool(4, (EmbeddingPooling)9));
    }

    [Fact]
    public void PoolingNames_ReadBothWays()
    {
        foreach (var name in EmbeddingPoolingNames.All)
            Assert.Equal(name, EmbeddingPoolingNames.Parse(name.ToUpperInvariant())!.Value.Name());
        Assert.Null(EmbeddingPoolingNames.Parse("max"));
        Assert.Null(EmbeddingPoolingNames.Parse(null));
    }
}
