using System.Runtime.InteropServices;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Native memory for weights that the kernels stream once per token. On Linux, blocks of 2 MiB or more are aligned to
/// 2 MiB and marked for transparent huge pages (madvise MADV_HUGEPAGE): with 4 KiB pages the hardware prefetcher stops
/// at every page boundary and each page costs a TLB walk, which measured 15–20% of the read bandwidth of this project's
/// development machine. Elsewhere, or when the kernel refuses, the block is plain 64-byte-aligned memory.
/// </summary>
public static unsafe class LargePageMemory
{
    const nuint HugePageBytes = 2 << 20;
    const int MadviseHugePage = 14; // MADV_HUGEPAGE in Linux's <asm-generic/mman-common.h>

    /// <summary>Allocates <paramref name="bytes"/> (uninitialized); free with <see cref="Free"/>.</summary>
    public static void* Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        nuint size = (nuint)Math.Max(bytes, 1);
        if (!OperatingSystem.IsLinux() || size < HugePageBytes)
            return NativeMemory.AlignedAlloc(size, 64);

        nuint rounded = WholeHugePages(size);
        void* block = NativeMemory.AlignedAlloc(rounded, HugePageBytes);
        AdviseHugePages((nint)block, rounded);
        return block;
    }

    /// <summary>The size rounded up to whole huge pages, so the advice covers every byte of the block.</summary>
    static nuint WholeHugePages(nuint size) => (size + HugePageBytes - 1) / HugePageBytes * HugePageBytes;

    /// <summary>Marks a 2 MiB-aligned block for transparent huge pages; advice only: a refusal leaves ordinary pages.</summary>
    static void AdviseHugePages(nint block, nuint length)
    {
        try
        {
            _ = Madvise(block, length, MadviseHugePage);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc madvise (e.g. musl without the symbol): ordinary pages.
        }
    }

    /// <summary>
    /// Allocates <paramref name="bytes"/> of zeros, large pages as <see cref="Allocate"/>; free with <see cref="Free"/>.
    /// On Linux a large block is a fresh anonymous mapping, zero by the kernel's guarantee and filled in page by page as
    /// it is first written, so a KV cache sized for the whole context costs nothing until positions are stored (clearing
    /// it up front took 0.05–0.7 s of a 2B4T load on the development VM).
    /// </summary>
    public static void* AllocateZeroed(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        nuint size = (nuint)Math.Max(bytes, 1);
        if (!OperatingSystem.IsLinux() || size < HugePageBytes) return ClearedBlock(size);

        nuint rounded = WholeHugePages(size);
        nint mapping;
        try
        {
            mapping = Mmap(0, rounded + HugePageBytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return ClearedBlock(size); // no libc mmap to call (e.g. musl under another name)
        }
        if (mapping == MapFailed) throw new OutOfMemoryException($"Could not map {bytes} bytes of zeroed memory.");
        // Keep the 2 MiB-aligned part, unmap the slack on either side.
        nint start = (mapping + (nint)HugePageBytes - 1) & ~((nint)HugePageBytes - 1);
        if (start > mapping) _ = Munmap(mapping, (nuint)(start - mapping));
        nint end = start + (nint)rounded, mappingEnd = mapping + (nint)(rounded + HugePageBytes);
        if (mappingEnd > end) _ = Munmap(end, (nuint)(mappingEnd - end));
        AdviseHugePages(start, rounded);
        lock (Mappings) Mappings.Add(start, rounded);
        return (void*)start;
    }

    static void* ClearedBlock(nuint size)
    {
        void* block = Allocate((long)size);
        NativeMemory.Clear(block, size);
        return block;
    }

    /// <summary>Frees a block from <see cref="Allocate"/> or <see cref="AllocateZeroed"/> (null is ignored).</summary>
    public static void Free(void* block)
    {
        if (block == null) return;
        nuint length;
        lock (Mappings)
            if (!Mappings.Remove((nint)block, out length)) length = 0;
        if (length > 0) _ = Munmap((nint)block, length);
        else NativeMemory.AlignedFree(block);
    }

    /// <summary>The blocks <see cref="AllocateZeroed"/> mapped, and their lengths (what munmap needs).</summary>
    static readonly Dictionary<nint, nuint> Mappings = [];

    const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20; // Linux x86-64 and arm64 values
    static readonly nint MapFailed = -1;

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "munmap")]
    static extern int Munmap(nint address, nuint length);

    [DllImport("libc", EntryPoint = "madvise")]
    static extern int Madvise(nint address, nuint length, int advice);
}
