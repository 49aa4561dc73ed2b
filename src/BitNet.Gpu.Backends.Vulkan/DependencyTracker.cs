using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Decides where a recorded step needs a barrier: before a command that reads or writes bytes an earlier command wrote
/// (read after write, write after write) or writes bytes an earlier command read (write after read), counting only
/// commands since the last barrier. Independent commands (the q, k and v products of one input, the two cache stores)
/// run without one between them.
/// </summary>
internal sealed class DependencyTracker
{
    readonly List<BufferWindow> _written = [];
    readonly List<BufferWindow> _read = [];

    /// <summary>Whether a command with these reads and writes must wait for the commands since the last barrier.</summary>
    public bool NeedsBarrier(ReadOnlySpan<BufferWindow> reads, ReadOnlySpan<BufferWindow> writes)
    {
        foreach (var r in reads)
            if (OverlapsAny(r, _written)) return true;
        foreach (var w in writes)
            if (OverlapsAny(w, _written) || OverlapsAny(w, _read)) return true;
        return false;
    }

    /// <summary>Notes a recorded command's accesses (after any barrier it needed).</summary>
    public void Add(ReadOnlySpan<BufferWindow> reads, ReadOnlySpan<BufferWindow> writes)
    {
        foreach (var r in reads) _read.Add(r);
        foreach (var w in writes) _written.Add(w);
    }

    /// <summary>A barrier was recorded: everything before it is visible to everything after.</summary>
    public void Clear()
    {
        _written.Clear();
        _read.Clear();
    }

    static bool OverlapsAny(BufferWindow window, List<BufferWindow> others)
    {
        foreach (var other in others)
            if (Overlaps(window, other)) return true;
        return false;
    }

    static bool Overlaps(BufferWindow a, BufferWindow b) =>
        a.Buffer.Handle == b.Buffer.Handle && a.Offset < b.Offset + b.Range && b.Offset < a.Offset + a.Range;
}
