using System.Runtime.Intrinsics.X86;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Software prefetch of weights a kernel reads next. The hardware prefetcher follows a stream within a 4 KiB page; a
/// kernel that moves from one row group to the next faster than DRAM answers needs to ask ahead for the next group.
/// </summary>
internal static unsafe class CachePrefetch
{
    /// <summary>Asks for <paramref name="bytes"/> bytes at <paramref name="start"/> to be brought into every cache level (a hint: no fault, no effect on results).</summary>
    public static void Bytes(byte* start, long bytes)
    {
        if (!Sse.IsSupported) return;
        for (long offset = 0; offset < bytes; offset += 64) Sse.Prefetch0(start + offset);
    }
}
