using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>The recorded steps a backend keeps for replay: found by shape within their coverage, least recently used
/// dropped first, each released once when it goes.</summary>
public class KeptStepsTests
{
    static StepShape Shape(params long[] values) => new(values);

    readonly List<string> _released = [];

    KeptSteps<string> Kept(int capacity) => new(capacity, _released.Add);

    [Fact]
    public void Find_ReturnsTheRecordingOfAnEqualShape_WithinItsCoverage()
    {
        var kept = Kept(4);
        kept.Keep(Shape(1, 2), "a", new StepCoverage(Positions: 64, Sequences: 2));

        Assert.Equal("a", kept.Find(Shape(1, 2), positions: 64, lastSequence: 1)?.Recording);
        Assert.Null(kept.Find(Shape(1, 3), positions: 1, lastSequence: 0));   // another shape
        Assert.Null(kept.Find(Shape(1, 2), positions: 65, lastSequence: 0));  // past the RoPE table it read
        Assert.Null(kept.Find(Shape(1, 2), positions: 1, lastSequence: 2));   // past the KV cache's sequences
        Assert.Empty(_released);
    }

    [Fact]
    public void Keep_ReplacesAnEarlierRecordingOfTheSameShape_AndReleasesIt()
    {
        var kept = Kept(4);
        kept.Keep(Shape(7), "old", StepCoverage.Unbounded);
        kept.Keep(Shape(7), "new", StepCoverage.Unbounded);

        Assert.Equal(1, kept.Count);
        Assert.Equal("new", kept.Find(Shape(7), 1, 0)?.Recording);
        Assert.Equal(["old"], _released);
        Assert.Equal(0, kept.Dropped);   // replaced, not dropped for room
    }

    [Fact]
    public void Keep_DropsTheLeastRecentlyUsed_WhenFull()
    {
        var kept = Kept(2);
        kept.Keep(Shape(1), "one", StepCoverage.Unbounded);
        kept.Keep(Shape(2), "two", StepCoverage.Unbounded);
        Assert.NotNull(kept.Find(Shape(1), 1, 0));   // "one" is now the most recently used
        kept.Keep(Shape(3), "three", StepCoverage.Unbounded);

        Assert.Null(kept.Find(Shape(2), 1, 0));
        Assert.NotNull(kept.Find(Shape(1), 1, 0));
        Assert.NotNull(kept.Find(Shape(3), 1, 0));
        Assert.Equal(["two"], _released);
        Assert.Equal(1, kept.Dropped);
    }

    [Fact]
    public void Clear_ReleasesEveryRecording()
    {
        var kept = Kept(4);
        kept.Keep(Shape(1), "one", StepCoverage.Unbounded);
        kept.Keep(Shape(2), "two", StepCoverage.Unbounded);
        kept.Clear();

        Assert.Equal(0, kept.Count);
        Assert.Null(kept.Find(Shape(1), 1, 0));
        Assert.Equal(["one", "two"], _released);
        Assert.Equal(2, kept.Dropped);
    }

    [Fact]
    public void Coverage_NarrowsToTheSmallestTableAndCache()
    {
        var coverage = StepCoverage.Unbounded.Narrow(positions: 4096, sequences: int.MaxValue).Narrow(positions: 512, sequences: 8);

        Assert.Equal(new StepCoverage(512, 8), coverage);
        Assert.True(coverage.Holds(positions: 512, lastSequence: 7));
        Assert.False(coverage.Holds(positions: 513, lastSequence: 0));
        Assert.False(coverage.Holds(positions: 1, lastSequence: 8));
    }
}
