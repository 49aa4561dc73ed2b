namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// Kernel launches queued since the backend started (what fused operations save; tests read it), and, while
/// <see cref="Log"/> is set, each launch's kernel and arguments: what a captured step would bake in.
/// </summary>
sealed class LaunchCounter
{
    /// <summary>Launches so far.</summary>
    public long Count { get; private set; }

    /// <summary>When set, every launch is appended as (kernel, launch arguments: stream first, then config and parameters).</summary>
    public List<(string Kernel, object?[] Arguments)>? Log { get; set; }

    /// <summary>Counts one launch (the backend queues from one thread at a time).</summary>
    public void Add() => Count++;

    /// <summary>Appends a launch to <see cref="Log"/>; launchers call it only while a log is set.</summary>
    public void Record(string kernel, object?[] arguments) => Log?.Add((kernel, arguments));
}
