using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>A device buffer that grows to the largest size asked for and is reused across steps.</summary>
sealed class GrowingBuffer<T>(DeviceMemory memory, AcceleratorStream stream, string name) : IDisposable where T : unmanaged
{
    MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    /// <summary>At least <paramref name="count"/> elements.</summary>
    public ArrayView<T> Get(long count)
    {
        if (_buffer is null || count > _buffer.Length)
        {
            stream.Synchronize();   // queued kernels may still use the old one
            long size = Math.Max(count, 2 * (_buffer?.Length ?? 0));
            memory.Free(_buffer);
            _buffer = memory.Allocate<T>(size, name);
        }
        return _buffer.View.SubView(0, count);
    }

    public void Dispose() => memory.Free(_buffer);
}

/// <summary>The top-k screen's device scratch: the input's slack per chunk, estimates and bounds per logit, candidate rows.</summary>
sealed class ScreenScratch(DeviceMemory memory, AcceleratorStream stream) : IDisposable
{
    public GrowingBuffer<float> Slack { get; } = new(memory, stream, "screen input slack");
    public GrowingBuffer<float> Estimates { get; } = new(memory, stream, "screen estimates");
    public GrowingBuffer<float> Bounds { get; } = new(memory, stream, "screen bounds");
    public GrowingBuffer<int> Rows { get; } = new(memory, stream, "screen candidate rows");

    public void Dispose()
    {
        Slack.Dispose();
        Estimates.Dispose();
        Bounds.Dispose();
        Rows.Dispose();
    }
}
