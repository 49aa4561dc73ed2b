using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// Page-locked host memory between the host and the device, grown to the largest transfer seen. A copy from it is a
/// DMA the stream runs in order with the kernels, so an upload is queued without the host waiting; a copy from
/// ordinary (pageable) memory is staged by the driver and makes the host wait for it.
/// <code>staging.Span(n)[..] = values; staging.CopyTo(stream, deviceView);   // queued; stream.Synchronize() before reuse</code>
/// </summary>
sealed class PinnedStaging<T>(Accelerator accelerator) : IDisposable where T : unmanaged
{
    PageLockedArray1D<T>? _array;

    /// <summary>True from a queued copy until <see cref="StreamIdle"/>: the memory may still be read or written by
    /// the device, so the host must not touch it.</summary>
    public bool CopyInFlight { get; private set; }

    /// <summary>The first <paramref name="count"/> elements, for the host to fill before an upload or read after a download.</summary>
    public Span<T> Span(int count)
    {
        if (CopyInFlight) throw new InvalidOperationException("the device may still be copying this memory: synchronize the stream first");
        return Grow(count).Span[..count];
    }

    /// <summary>Queues the copy of the first <paramref name="target"/>.Length elements to the device.</summary>
    public void CopyTo(AcceleratorStream stream, ArrayView<T> target)
    {
        Grow(target.Length).ArrayView.SubView(0, target.Length).CopyTo(stream, target);
        CopyInFlight = true;
    }

    /// <summary>Queues the copy of <paramref name="source"/> from the device into the first source.Length elements.</summary>
    public void CopyFrom(AcceleratorStream stream, ArrayView<T> source)
    {
        source.CopyTo(stream, Grow(source.Length).ArrayView.SubView(0, source.Length));
        CopyInFlight = true;
    }

    /// <summary>The stream has been synchronized: every queued copy is done.</summary>
    public void StreamIdle() => CopyInFlight = false;

    PageLockedArray1D<T> Grow(long count)
    {
        if (_array is not null && _array.Length >= count) return _array;
        if (CopyInFlight) throw new InvalidOperationException("cannot grow pinned memory the device may still be copying");
        _array?.Dispose();
        _array = accelerator.AllocatePageLocked1D<T>(Math.Max(count, 64));
        return _array;
    }

    public void Dispose() => _array?.Dispose();
}
