using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)bufferBytes, 64);
        try
        {
            NativeMemory.Fill(buffer, (nuint)bufferBytes, 1);
            double best = 0;
            long slice = bufferBytes / threads;
            for (int pass = 0; pass < passes; pass++)
            {
                var clock = Stopwatch.StartNew();
                var sums = new float[threads];
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => sums[t] = Sum(buffer + t * slice, slice));
                double seconds = clock.Elapsed.TotalSeconds;
                if (sums.Sum() < 0) throw new InvalidOperationException("unreachable: keeps the sums alive");
                best = Math.Max(best, bufferBytes / seconds);
            }
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    // Σ of the bytes read as floats, four independent vector accumulators so the loads are the bottleneck.
    static float Sum(byte* start, long bytes)
    {
        var a = Vector256<float>.Zero;
        var b = Vector256<float>.Zero;
        var c = Vector256<float>.Zero;
        var d = Vector256<float>.Zero;
        for (byte* p = start, end = start + bytes; p < end; p += 128)
        {
            a += Vector256.Load((float*)p);
            b += Vector256.Load((float*)(p + 32));
            c += Vector256.Load((float*)(p + 64));
            d += Vector256.Load((float*)(p + 96));
        }
        return Vector256.Sum(a + b + c + d);
    }
}
