using BitNet.Gpu.Backends.Ilgpu.StepGraphs;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Ilgpu.StepGraphs;

/// <summary>
/// The step capture's bookkeeping with stand-in launches: which steps are kept as graphs, which replay, and what
/// drops them. A "launch" appends its name to <see cref="_ran"/>; a captured graph appends "graph(n launches)".
/// </summary>
public sealed class StepCaptureTests
{
    readonly List<string> _ran = [];
    readonly StandInCapturer _capturer;
    readonly StepCapture _capture;

    public StepCaptureTests()
    {
        _capturer = new StandInCapturer(_ran);
        _capture = new StepCapture(_capturer);
    }

    static StepShape Shape(params long[] values) => new(values);

    /// <summary>What a launcher does: joins the recording, then runs.</summary>
    void Launch(string kernel)
    {
        if (_capture.Recording) _capture.Add(new RecordedLaunch(kernel, () => _ran.Add(kernel)));
        _ran.Add(kernel);
    }

    void Record(StepShape shape, params string[] kernels)
    {
        _capture.Begin(shape);
        foreach (var kernel in kernels) Launch(kernel);
        _capture.End(topListRead: null);
    }

    bool Replay(StepShape shape, int positions = 1, int lastSequence = 0)
    {
        var kept = _capture.Find(shape, positions, lastSequence);
        kept?.Graph.Launch();
        return kept is not null;
    }

    [Fact]
    public void ARecordedStep_RunsOnce_ThenReplaysAsOneGraph()
    {
        Record(Shape(1), "embed", "norm");
        Assert.Equal(["embed", "norm"], _ran);
        Assert.Equal(1, _capture.Captured);
        Assert.Equal(["embed", "norm"], _capturer.LastCapture);

        _ran.Clear();
        Assert.True(Replay(Shape(1)));
        Assert.Equal(["graph(2 launches)"], _ran);
        Assert.False(Replay(Shape(2)));   // another shape
        Assert.Equal(1, _capture.Replayed);
    }

    [Fact]
    public void AStepThatWaitsMidWay_IsNotKept()
    {
        _capture.Begin(Shape(1));
        Launch("screen");
        _capture.Abandon();   // the backend waits for the screen's estimates
        Launch("rows");
        _capture.End(topListRead: null);
        Assert.Equal(0, _capture.Captured);
        Assert.False(Replay(Shape(1)));
    }

    [Fact]
    public void AbandonOutsideARecording_ChangesNothing()
    {
        _capture.Abandon();   // a read after the step
        Record(Shape(1), "embed");
        Assert.True(Replay(Shape(1)));
    }

    [Fact]
    public void AStepBeyondWhatTheRecordingCovers_IsIssuedAgain()
    {
        _capture.Begin(Shape(1));
        Launch("rope");
        _capture.Covers(positions: 64, sequences: 2);
        _capture.End(topListRead: null);
        Assert.True(Replay(Shape(1), positions: 64, lastSequence: 1));
        Assert.False(Replay(Shape(1), positions: 65, lastSequence: 0));   // past the RoPE table it read
        Assert.False(Replay(Shape(1), positions: 1, lastSequence: 2));    // past the KV cache's sequences
    }

    [Fact]
    public void AMemoryChange_DropsEveryGraph_AndTheStepBeingRecorded()
    {
        Record(Shape(1), "a");
        Record(Shape(2), "b");
        _capture.Begin(Shape(3));
        Launch("c");
        _capture.MemoryChanging();
        _capture.End(topListRead: null);
        Assert.Equal(2, _capture.Dropped);
        Assert.False(Replay(Shape(1)));
        Assert.False(Replay(Shape(2)));
        Assert.False(Replay(Shape(3)));
        Assert.Equal(2, _capturer.Disposed);
    }

    [Fact]
    public void RecordingAShapeAgain_ReplacesItsGraph_AndOnlyEightShapesAreKept()
    {
        Record(Shape(1), "a");
        Record(Shape(1), "a", "b");
        Assert.Equal(1, _capturer.Disposed);
        _ran.Clear();
        Replay(Shape(1));
        Assert.Equal(["graph(2 launches)"], _ran);

        for (int s = 2; s <= 9; s++) Record(Shape(s), "x");
        Assert.False(Replay(Shape(1)));   // the least recently used of nine
        Assert.True(Replay(Shape(2)));
    }

    [Fact]
    public void ACaptureTheDriverRefuses_TurnsGraphsOff_AndTheStepStillRan()
    {
        _capturer.Fail = true;
        Record(Shape(1), "embed");
        Assert.Equal(["embed"], _ran);
        Assert.NotNull(_capture.Disabled);
        _capturer.Fail = false;
        Record(Shape(1), "embed");
        Assert.False(_capture.Recording);
        Assert.False(Replay(Shape(1)));
    }

    sealed class StandInCapturer(List<string> ran) : IGraphCapturer
    {
        public bool Fail { get; set; }
        public List<string> LastCapture { get; } = [];
        public int Disposed { get; private set; }

        public ICapturedGraph Capture(IReadOnlyList<RecordedLaunch> launches)
        {
            if (Fail) throw new InvalidOperationException("cuStreamBeginCapture failed with CUDA error 900");
            LastCapture.Clear();
            LastCapture.AddRange(launches.Select(l => l.Kernel));
            return new Graph(this, ran, launches.Count);
        }

        sealed class Graph(StandInCapturer owner, List<string> ran, int launches) : ICapturedGraph
        {
            public void Launch() => ran.Add($"graph({launches} launches)");
            public void Dispose() => owner.Disposed++;
        }
    }
}
