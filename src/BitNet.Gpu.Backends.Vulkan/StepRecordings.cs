using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Whole steps recorded for <see cref="IStepReplay"/>: per step shape, the commands its operations queued, queued again
/// as they are when a step of that shape comes back. The command stream then finds the recorded command buffer by the
/// step's key as for any step (the segment's id stands for its commands there), so a replay skips the graph's calls and
/// the per-command work, not the key check.
/// A recording holds while no buffer is destroyed (it may bind one) and while the step's positions and sequences stay
/// within the tables and caches it binds (a longer position would grow the RoPE table, an upload the recording lacks).
/// </summary>
internal sealed class StepRecordings
{
    readonly KeptSteps<Recording> _kept = new(capacity: 8);   // as many shapes as the command stream keeps command buffers
    StepShape? _shape;
    (int Commands, int KeyValues) _start;
    StepCoverage _coverage;   // what the operations queued so far cover
    long _generation;
    bool _abandoned;

    /// <summary>A recorded step's commands, and how its logits are read (the lists of its top-k products, or every
    /// value when null).</summary>
    public sealed record Recording(QueuedSegment Segment, VulkanBackend.TopListRead? Read);

    /// <summary>Starts recording a step of <paramref name="shape"/> at the stream's current end.</summary>
    public void Begin(StepShape shape, CommandStream stream)
    {
        _shape = shape;
        _abandoned = false;
        _start = stream.Mark;
        _coverage = StepCoverage.Unbounded;
    }

    /// <summary>Narrows what the recording covers: positions below <paramref name="positions"/>, sequences below
    /// <paramref name="sequences"/> (a RoPE table's capacity, a KV cache's size).</summary>
    public void Covers(int positions, int sequences)
    {
        if (_shape is not null) _coverage = _coverage.Narrow(positions, sequences);
    }

    /// <summary>The step being recorded must not be queued again as it is: it converts something once, or it waits
    /// for a result mid-step and queues what the host chose (the top-k screen). End keeps nothing.</summary>
    public void Abandon() => _abandoned = _shape is not null;

    /// <summary>Keeps the commands queued since <see cref="Begin"/>, unless they cannot be queued again, with how the
    /// step's logits are read (<paramref name="read"/>, handed back on a replay).</summary>
    public void End(CommandStream stream, long bufferGeneration, VulkanBackend.TopListRead? read)
    {
        var shape = _shape ?? throw new InvalidOperationException("EndRecord without BeginRecord");
        _shape = null;
        if (_abandoned) return;
        var segment = stream.SegmentSince(_start);
        if (segment is null) return;
        Forget(bufferGeneration);
        _kept.Keep(shape, new Recording(segment, read), _coverage);
    }

    /// <summary>The recording of <paramref name="shape"/>, if one holds for a step whose longest attention spans
    /// <paramref name="positions"/> and whose highest sequence is <paramref name="lastSequence"/>.</summary>
    public Recording? Find(StepShape shape, long bufferGeneration, int positions, int lastSequence)
    {
        Forget(bufferGeneration);
        return _kept.Find(shape, positions, lastSequence)?.Recording;
    }

    // Drops every recording once a buffer has been destroyed: one of them may bind it.
    void Forget(long bufferGeneration)
    {
        if (bufferGeneration == _generation) return;
        _kept.Clear();
        _generation = bufferGeneration;
    }
}
