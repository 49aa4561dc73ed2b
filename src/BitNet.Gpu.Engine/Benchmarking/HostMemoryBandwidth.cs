using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Engine.Benchmarking;

/// <summary>
/// Measures how fast this machine's cores can read memory: a SIMD sum over a buffer far larger than the caches,
/// split over the given number of threads, best of a few passes. This is the roofline a memory-bound
/// matrix-vector product can reach on the CPU. The buffer is made on the first measurement and kept for the next
/// (a benchmark measures after every run), until disposed.
/// </summary>
public sealed unsafe class HostMemoryBandwidth : IDisposable
{
    readonly int _threads;
    readonly long _bufferBytes;
    readonly int _passes;
    byte* _buffer;
    bool _disposed;

    public HostMemoryBandwidth(int threads, long bufferBytes = 512L << 20, int passes = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1L << 20);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passes);
        _threads = Math.Max(1, threads);
        long sliceUnit = _threads * 64L * 64; // every thread's slice a whole number of 4 KiB
        if (bufferBytes < sliceUnit)
            throw new ArgumentOutOfRangeException(nameof(bufferBytes), bufferBytes, $"{threads} threads need a buffer of at least {sliceUnit} bytes.");
        _bufferBytes = bufferBytes - bufferBytes % sliceUnit;
        _passes = passes;
    }

    /// <summary>Bytes per second read by the threads, measured now.</summary>
    public double Measure()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_buffer == null)
        {
            _buffer = (byte*)LargePageMemory.Allocate(_bufferBytes); // as the weights are: same pages, same prefetching
            NativeMemory.Fill(_buffer, (nuint)_bufferBytes, 1);
        }
        byte* buffer = _buffer;
        long slice = _bufferBytes / _threads;
        var seconds = new double[_threads];
        var sums = new float[_threads];
        // One thread per slice, started before timing; each times its own passes and the slowest bounds the total.
        using var start = new Barrier(_threads);
        var workers = Enumerable.Range(0, _threads).Select(t => new Thread(() =>
        {
            double best = double.MaxValue;
            for (int pass = 0; pass < _passes; pass++)
            {
                start.SignalAndWait();
                long began = Stopwatch.GetTimestamp();
                sums[t] += Sum(buffer + t * slice, slice);
                best = Math.Min(best, Stopwatch.GetElapsedTime(began).TotalSeconds);
            }
            seconds[t] = best;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        if (sums.Sum() < 0) throw new InvalidOperationException("unreachable: keeps the sums alive");
        return _bufferBytes / seconds.Max();
    }

    public void Dispose()
    {
        LargePageMemory.Free(_buffer);
        _buffer = null;
        _disposed = true;
    }

    // Σ of the bytes read as ints, four independent vector accumulators so the loads are the bottleneck.
    static float Sum(byte* start, long bytes)
    {
        var a = Vector512<int>.Zero;
        var b = Vector512<int>.Zero;
        var c = Vector512<int>.Zero;
        var d = Vector512<int>.Zero;
        for (byte* p = start, end = start + bytes; p < end; p += 256)
        {
            a += Vector512.Load((int*)p);
            b += Vector512.Load((int*)(p + 64));
            c += Vector512.Load((int*)(p + 128));
            d += Vector512.Load((int*)(p + 192));
        }
        return Vector512.Sum(a + b + c + d);
    }
}
