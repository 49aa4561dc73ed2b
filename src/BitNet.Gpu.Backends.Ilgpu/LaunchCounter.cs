namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>Kernel launches queued since the backend started (what fused operations save; tests read it).</summary>
sealed class LaunchCounter
{
    /// <summary>Launches so far.</summary>
    public long Count { get; private set; }

    /// <summary>Counts one launch (the backend queues from one thread at a time).</summary>
    public void Add() => Count++;
}
