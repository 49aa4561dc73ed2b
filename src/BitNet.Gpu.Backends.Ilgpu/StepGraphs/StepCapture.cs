using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Ilgpu.StepGraphs;

/// <summary>
/// Whole steps as device graphs, for <see cref="IStepReplay"/>: per step shape, the kernel launches its operations
/// issued, captured as one graph (on CUDA, one cuGraphLaunch in place of ~300 cuLaunchKernel calls a decode step) and
/// launched again when a step of that shape comes back, without issuing its operations.
/// <para>
/// The recording step runs as usual while every launcher adds its launch (<see cref="IlgpuKernelLoader"/>); at
/// <see cref="End"/> the launches are captured. Two steps of one shape launch the same kernels with the same
/// arguments: what changes from step to step (tokens, positions, sequences) reaches the kernels through the step's
/// device buffer, and the attention splits partition the whole context. A recording holds while no device buffer is
/// allocated or freed (it bakes in their addresses) and while the step's positions and sequences stay within the
/// tables and caches it reads. A step that waits for the device or copies from the host mid-step (the top-k screen
/// reads its estimates and queues what the host chose) is not kept.
/// </para>
/// </summary>
sealed class StepCapture(IGraphCapturer capturer) : IDisposable
{
    readonly KeptSteps<KeptStep> _kept = new(capacity: 8, release: step => step.Graph.Dispose());
    List<RecordedLaunch>? _launches;       // the step being recorded
    StepShape? _shape;
    StepCoverage _coverage;                // what the recorded operations cover
    bool _abandoned;

    /// <summary>A kept step's graph, and how its logits are read (the lists of its top-k selection, or every value when
    /// null), which a replay hands back.</summary>
    public sealed record KeptStep(ICapturedGraph Graph, (IlgpuBuffer Logits, int Rows)? TopListRead);

    /// <summary>True while a step is being recorded: launchers add their launches.</summary>
    public bool Recording => _launches is not null;
    /// <summary>Steps captured as graphs.</summary>
    public long Captured { get; private set; }
    /// <summary>Steps replayed as one graph launch.</summary>
    public long Replayed { get; private set; }
    /// <summary>Graphs dropped: device memory changed, or more shapes came than are kept.</summary>
    public long Dropped => _kept.Dropped;
    /// <summary>Why capturing stopped for good (the driver refused a capture), or null.</summary>
    public string? Disabled { get; private set; }

    /// <summary>Starts recording a step of <paramref name="shape"/>.</summary>
    public void Begin(StepShape shape)
    {
        if (Disabled is not null) return;
        (_shape, _launches, _abandoned) = (shape, [], false);
        _coverage = StepCoverage.Unbounded;
    }

    /// <summary>Recording: the launch (which also runs now) joins the step. Copies between device buffers on the stream
    /// join it too: a graph captures them as well.</summary>
    public void Add(RecordedLaunch launch) => _launches?.Add(launch);

    /// <summary>Narrows what the recording covers: positions below <paramref name="positions"/>, sequences below
    /// <paramref name="sequences"/> (a RoPE table's capacity, a KV cache's size).</summary>
    public void Covers(int positions, int sequences)
    {
        if (_launches is not null) _coverage = _coverage.Narrow(positions, sequences);
    }

    /// <summary>The step being recorded waits for the device or copies mid-step: it cannot be launched again as it is.</summary>
    public void Abandon() => _abandoned = _launches is not null;

    /// <summary>Captures the step's launches as a graph and keeps it, unless the step was abandoned or launched
    /// nothing; <paramref name="topListRead"/> is how its logits are read.</summary>
    public void End((IlgpuBuffer Logits, int Rows)? topListRead)
    {
        var (shape, launches) = (_shape, _launches);
        (_shape, _launches) = (null, null);
        if (shape is null || launches is null || _abandoned || launches.Count == 0) return;
        ICapturedGraph graph;
        try
        {
            graph = capturer.Capture(launches);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            Disabled = e.Message;   // the step ran already; later steps issue their operations
            return;
        }
        Captured++;
        _kept.Keep(shape, new KeptStep(graph, topListRead), _coverage);
    }

    /// <summary>The kept step of <paramref name="shape"/>, if it covers a step whose longest attention spans
    /// <paramref name="positions"/> and whose highest sequence is <paramref name="lastSequence"/> (counted as replayed:
    /// the caller launches its graph).</summary>
    public KeptStep? Find(StepShape shape, int positions, int lastSequence)
    {
        var kept = _kept.Find(shape, positions, lastSequence)?.Recording;
        if (kept is not null) Replayed++;
        return kept;
    }

    /// <summary>Device memory is about to be allocated or freed: every graph may point into it, and so may the launches
    /// of a step being recorded.</summary>
    public void MemoryChanging()
    {
        Abandon();
        _kept.Clear();
    }

    public void Dispose()
    {
        (_shape, _launches) = (null, null);
        _kept.Clear();
    }
}
