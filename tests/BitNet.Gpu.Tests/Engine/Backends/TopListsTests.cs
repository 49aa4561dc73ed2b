using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>Top-k lists turned into logits: the listed values in place, −∞ elsewhere, whether the read sets the −∞ itself
/// or the destination was set to −∞ while the device ran.</summary>
public sealed class TopListsTests
{
    const int Cols = 10;

    // Two rows: row 0 keeps columns 3 and 7, row 1 keeps column 0.
    static int[] Lists()
    {
        var lists = new int[2 * TopLists.Ints];
        void Put(int row, int slot, int col, float value)
        {
            lists[row * TopLists.Ints + 2 + 2 * slot] = col;
            lists[row * TopLists.Ints + 3 + 2 * slot] = BitConverter.SingleToInt32Bits(value);
        }
        lists[0] = 2;
        Put(0, 0, 3, 1.5f);
        Put(0, 1, 7, -2.25f);
        lists[TopLists.Ints] = 1;
        Put(1, 0, 0, 4f);
        return lists;
    }

    static float[] Expected()
    {
        var expected = Enumerable.Repeat(float.NegativeInfinity, 2 * Cols).ToArray();
        (expected[3], expected[7], expected[Cols]) = (1.5f, -2.25f, 4f);
        return expected;
    }

    [Fact]
    public void Scatter_SetsEveryOtherLogitToNegativeInfinity()
    {
        var destination = Enumerable.Repeat(float.NaN, 2 * Cols).ToArray();
        Assert.True(TopLists.TryScatter(Lists(), 2, Cols, destination));
        Assert.Equal(Expected(), destination);
    }

    [Fact]
    public void Scatter_OverAClearedDestination_WritesOnlyTheListedLogits()
    {
        var destination = Enumerable.Repeat(float.NegativeInfinity, 2 * Cols).ToArray();
        destination[5] = 9f;   // a value the read must leave: it promised not to clear
        Assert.True(TopLists.TryScatter(Lists(), 2, Cols, destination, destinationIsNegativeInfinity: true));
        var expected = Expected();
        expected[5] = 9f;
        Assert.Equal(expected, destination);
    }

    [Fact]
    public void AnOverflowedList_WritesNothing()
    {
        var lists = Lists();
        lists[TopLists.Ints] = TopLists.Capacity + 1;
        var destination = Enumerable.Repeat(float.NaN, 2 * Cols).ToArray();
        Assert.False(TopLists.TryScatter(lists, 2, Cols, destination));
        Assert.All(destination, v => Assert.True(float.IsNaN(v)));
    }
}
