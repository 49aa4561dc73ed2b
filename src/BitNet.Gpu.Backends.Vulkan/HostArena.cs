namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Host-visible memory for per-step inputs (token ids and places) and one-time uploads queued with a step: appended
/// while a step is queued, copied to device memory when it runs, and reused after the wait. Grows by adding blocks.
/// </summary>
internal sealed unsafe class HostArena(VulkanContext context) : IDisposable
{
    const long BlockBytes = 1L << 20;
    readonly List<GpuBuffer> _blocks = [];
    int _block;
    long _used;

    public BufferWindow Add<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        long bytes = Math.Max(4, (long)values.Length * sizeof(T));
        while (true)
        {
            if (_block == _blocks.Count) _blocks.Add(new GpuBuffer(context, Math.Max(BlockBytes, bytes), hostVisible: true));
            var block = _blocks[_block];
            long offset = (_used + context.OffsetAlignment - 1) / context.OffsetAlignment * context.OffsetAlignment;
            if (offset + bytes <= block.Size)
            {
                fixed (T* source = values)
                    System.Buffer.MemoryCopy(source, block.Mapped + offset, bytes, (long)values.Length * sizeof(T));
                _used = offset + bytes;
                return block.Window(offset, bytes);
            }
            _block++;
            _used = 0;
        }
    }

    public void Reset()
    {
        _block = 0;
        _used = 0;
    }

    public void Dispose()
    {
        foreach (var block in _blocks) block.Dispose();
        _blocks.Clear();
    }
}
