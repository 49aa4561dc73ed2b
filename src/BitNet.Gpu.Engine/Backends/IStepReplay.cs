namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// An optional backend capability: replaying every operation of a step recorded earlier, so the graph need not issue
/// them one by one (a Vulkan command buffer, a CUDA graph). The graph calls <see cref="TryReplay"/> right after
/// <see cref="IComputeBackend.BeginStep"/>; when it returns false, the graph issues the step's operations between
/// <see cref="BeginRecord"/> and <see cref="EndRecord"/>, and reads the results itself either way. Two steps of one
/// <see cref="StepShape"/> issue the same operations on the same buffers: what differs between them (token ids,
/// sequences, positions) reaches the device through the buffers BeginStep fills, so a replayed step computes exactly
/// what an issued one would.
/// </summary>
public interface IStepReplay
{
    /// <summary>Queues the operations recorded for <paramref name="shape"/>, if the backend holds them and they are still
    /// valid for this step (its buffers unchanged, its positions within what the recording's tables cover).</summary>
    bool TryReplay(StepShape shape);

    /// <summary>The operations queued from here to <see cref="EndRecord"/> make up a step of <paramref name="shape"/>.</summary>
    void BeginRecord(StepShape shape);

    /// <summary>Ends the recording (the backend may decline to keep it, e.g. when the step also uploaded a table).</summary>
    void EndRecord();
}
