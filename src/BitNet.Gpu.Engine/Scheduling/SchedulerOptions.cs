namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>How an <see cref="InferenceScheduler"/> queues requests.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Requests that may wait for a free slot; one more is refused with <see cref="SchedulerQueueFullException"/>.</summary>
    public int MaxQueuedRequests { get; init; } = 256;
}
