namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>Device memory for intermediate results, grown to the largest size asked for; the old buffer is let go after
/// the next wait, since queued commands may still bind it.</summary>
internal sealed class ScratchBuffer(VulkanContext context) : IDisposable
{
    /// <summary>The buffer of the last <see cref="Window"/> (null before the first).</summary>
    public GpuBuffer? Buffer { get; private set; }

    /// <summary>The first <paramref name="bytes"/> of the buffer, grown first if it is smaller.</summary>
    public BufferWindow Window(CommandStream stream, long bytes)
    {
        if (Buffer is null || Buffer.Size < bytes)
        {
            if (Buffer is not null) stream.DisposeAfterWait(Buffer);
            Buffer = new GpuBuffer(context, Math.Max(bytes, 2 * (Buffer?.Size ?? 0)), hostVisible: false);
        }
        return Buffer.Window(0, bytes);
    }

    public void Dispose() => Buffer?.Dispose();
}
