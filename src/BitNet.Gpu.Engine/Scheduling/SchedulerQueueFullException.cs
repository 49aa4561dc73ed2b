namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>A request was refused because every slot is busy and the queue holds its limit of waiting requests.</summary>
public sealed class SchedulerQueueFullException(int limit)
    : InvalidOperationException($"the server is busy: {limit} requests are already waiting for a free slot; try again shortly")
{
    /// <summary>The queue's limit.</summary>
    public int Limit { get; } = limit;
}
