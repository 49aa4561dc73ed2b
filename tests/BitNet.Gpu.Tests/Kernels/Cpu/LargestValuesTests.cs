using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>The k-largest heap against sorting, on random streams with repeated values.</summary>
public class LargestValuesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public void KeepsTheKLargest(int k)
    {
        var random = new Random(5 + k);
        foreach (int count in new[] { 0, k - 1, k, 3 * k, 5000 })
        {
            var values = Enumerable.Range(0, Math.Max(count, 0)).Select(_ => (float)random.Next(-200, 200) / 8).ToArray();
            var largest = new LargestValues(k);
            foreach (float value in values) largest.Add(value);

            var expected = values.OrderByDescending(v => v).Take(k).OrderBy(v => v).ToArray();
            Assert.Equal(expected, largest.Values.ToArray().OrderBy(v => v).ToArray());
            Assert.Equal(count >= k ? expected[0] : float.NegativeInfinity, largest.Smallest);
        }
    }

    [Fact]
    public void WouldKeep_AgreesWithAdd()
    {
        var largest = new LargestValues(3);
        foreach (float value in new[] { 5f, 1f, 3f }) Assert.True(largest.WouldKeep(value));
        largest.AddAll([5f, 1f, 3f]);
        Assert.False(largest.WouldKeep(1f)); // not larger than the smallest kept
        Assert.True(largest.WouldKeep(2f));
        largest.Add(2f);
        Assert.Equal(2f, largest.Smallest);
    }
}
