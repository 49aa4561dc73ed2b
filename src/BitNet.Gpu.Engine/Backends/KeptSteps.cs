namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// The whole steps a backend keeps for <see cref="IStepReplay"/>: per <see cref="StepShape"/>, what it recorded (queued
/// commands, a device graph) and what that recording covers. When more shapes come than are kept, the least recently
/// used is dropped.
/// <para>
/// Usage: <c>var kept = new KeptSteps&lt;Graph&gt;(8, graph =&gt; graph.Dispose());</c> then
/// <c>kept.Keep(shape, graph, coverage)</c> after recording a step, and
/// <c>kept.Find(shape, longestLength, lastSequence)?.Recording</c> before issuing one.
/// </para>
/// </summary>
/// <param name="capacity">How many shapes are kept.</param>
/// <param name="release">Called for each recording that is replaced, dropped or cleared (a graph to destroy).</param>
public sealed class KeptSteps<TRecording>(int capacity, Action<TRecording>? release = null)
{
    readonly List<Entry> _entries = [];   // least recently used first

    /// <summary>A kept step: its shape, its recording, and the positions and sequences it holds for.</summary>
    public sealed record Entry(StepShape Shape, TRecording Recording, StepCoverage Coverage);

    /// <summary>Shapes kept now.</summary>
    public int Count => _entries.Count;

    /// <summary>Recordings dropped for room or cleared.</summary>
    public long Dropped { get; private set; }

    /// <summary>Keeps <paramref name="recording"/> for <paramref name="shape"/>, in place of an earlier one of that shape.</summary>
    public void Keep(StepShape shape, TRecording recording, StepCoverage coverage)
    {
        int earlier = _entries.FindIndex(e => e.Shape.Equals(shape));
        if (earlier >= 0) RemoveAt(earlier);
        _entries.Add(new Entry(shape, recording, coverage));
        if (_entries.Count > capacity) Drop(0);
    }

    /// <summary>The kept step of <paramref name="shape"/>, if its coverage holds for a step whose longest attention spans
    /// <paramref name="positions"/> and whose highest sequence is <paramref name="lastSequence"/>; it becomes the most
    /// recently used.</summary>
    public Entry? Find(StepShape shape, int positions, int lastSequence)
    {
        int i = _entries.FindLastIndex(e => e.Shape.Equals(shape));
        if (i < 0 || !_entries[i].Coverage.Holds(positions, lastSequence)) return null;
        var entry = _entries[i];
        _entries.RemoveAt(i);
        _entries.Add(entry);
        return entry;
    }

    /// <summary>Drops every kept step (a buffer one of them uses was freed, or the backend is closing).</summary>
    public void Clear()
    {
        while (_entries.Count > 0) Drop(0);
    }

    void Drop(int index)
    {
        RemoveAt(index);
        Dropped++;
    }

    void RemoveAt(int index)
    {
        var recording = _entries[index].Recording;
        _entries.RemoveAt(index);
        release?.Invoke(recording);
    }
}

/// <summary>
/// What a recorded step's tables and caches cover: attention spans up to <paramref name="Positions"/> and sequences
/// below <paramref name="Sequences"/> (a RoPE table's capacity, a KV cache's size). A longer step would need a table the
/// recording did not upload.
/// </summary>
public readonly record struct StepCoverage(int Positions, int Sequences)
{
    /// <summary>Before any operation has narrowed it.</summary>
    public static StepCoverage Unbounded => new(int.MaxValue, int.MaxValue);

    /// <summary>This coverage, limited to <paramref name="positions"/> and <paramref name="sequences"/> as well.</summary>
    public StepCoverage Narrow(int positions, int sequences) => new(Math.Min(Positions, positions), Math.Min(Sequences, sequences));

    /// <summary>Whether a step whose longest attention spans <paramref name="positions"/> and whose highest sequence is
    /// <paramref name="lastSequence"/> lies within.</summary>
    public bool Holds(int positions, int lastSequence) => positions <= Positions && lastSequence < Sequences;
}
