namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Where attention.comp leaves each split's partial result (the unnormalized weighted values, and the running maximum
/// and sum) for attention_combine.comp: device memory grown to the largest step seen, the old buffers let go after the
/// next wait since queued commands may still bind them.
/// </summary>
internal sealed class AttentionScratch(VulkanContext context) : IDisposable
{
    GpuBuffer? _partial, _stats;

    /// <summary>Windows for <paramref name="slots"/> = tokens × heads × splits partial results of <paramref name="headDim"/> values.
    /// A new buffer holds at least <paramref name="leastSlots"/> (what any short step needs), so steps of a few tokens do
    /// not grow it one after another, each growth dropping the recorded steps.</summary>
    public (BufferWindow Partial, BufferWindow Stats) Windows(CommandStream stream, long slots, long leastSlots, int headDim)
    {
        long partialBytes = slots * headDim * 4, statsBytes = slots * 8;
        long allocated = Math.Max(slots, leastSlots);
        if (_partial is null || _partial.Size < partialBytes) _partial = Replace(stream, _partial, allocated * headDim * 4);
        if (_stats is null || _stats.Size < statsBytes) _stats = Replace(stream, _stats, allocated * 8);
        return (_partial.Window(0, partialBytes), _stats.Window(0, statsBytes));
    }

    GpuBuffer Replace(CommandStream stream, GpuBuffer? old, long bytes)
    {
        if (old is not null) stream.DisposeAfterWait(old);
        return new GpuBuffer(context, Math.Max(bytes, 2 * (old?.Size ?? 0)), hostVisible: false);
    }

    public void Dispose()
    {
        _partial?.Dispose();
        _stats?.Dispose();
    }
}
