using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Engine.Benchmarking;

/// <summary>
/// Measures how fast this machine's cores can read memory: a SIMD sum over a buffer far larger than the caches,
/// split over the given number of threads, best of a few passes. This is the roofline a memory-bound
/// matrix-vector product can reach on the CPU.
/// </summary>
public static unsafe class HostMemoryBandwidth
{
    /// <summary>Bytes per second read by <paramref name="threads"/> threads.</summary>
    public static double Measure(int threads, long bufferBytes = 512L << 20, int passes = 5)
    {
        threads = Math.Max(1, threads);
        bufferBytes -= bufferBytes % (threads * 64L * 64);
        var buffer = (byte*)LargePageMemory.Allocate(bufferBytes); // as the weights are: same pages, same prefetching
        try
        {
            NativeMemory.Fill(buffer, (nuint)bufferBytes, 1);
            long slice = bufferBytes / threads;
            var seconds = new double[threads];
            var sums = new float[threads];
            // One thread per slice, started before timing; each times its own passes and the slowest bounds the total.
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                double best = double.MaxValue;
                for (int pass = 0; pass < passes; pass++)
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
            return bufferBytes / seconds.Max();
        }
        finally
        {
            LargePageMemory.Free(buffer);
        }
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
