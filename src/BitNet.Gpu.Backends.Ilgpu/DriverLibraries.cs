using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ILGPU;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The GPU driver libraries ILGPU imports by a bare name: <c>cuda</c> (<c>nvcuda</c> on Windows) and <c>OpenCL</c>.
/// On Linux .NET turns those into libcuda.so and libOpenCL.so, which only development packages install; a machine with
/// just the driver has libcuda.so.1 and libOpenCL.so.1. When .NET's own search fails, the names here are tried, and
/// when none loads, <see cref="LoadError"/> says why.
/// </summary>
static class DriverLibraries
{
    static readonly Assembly Ilgpu = typeof(Context).Assembly;
    static int _installed;

    /// <summary>The import name ILGPU uses for a device kind's driver library on this operating system (null for the CPU).</summary>
    public static string? ImportName(IlgpuDeviceKind kind) => kind switch
    {
        IlgpuDeviceKind.Cuda => OperatingSystem.IsWindows() ? "nvcuda" : "cuda",
        IlgpuDeviceKind.OpenCL => OperatingSystem.IsWindows() ? "opencl" : "OpenCL",
        _ => null,
    };

    /// <summary>The file names tried, in order, for the library ILGPU imports as <paramref name="importName"/> on
    /// <paramref name="os"/>; empty for a library left to .NET's own search.</summary>
    public static IReadOnlyList<string> Candidates(string importName, OSPlatform os)
    {
        string name = importName.ToLowerInvariant();
        if (os == OSPlatform.Linux || os == OSPlatform.FreeBSD)
            return name switch { "cuda" => ["libcuda.so.1", "libcuda.so"], "opencl" => ["libOpenCL.so.1", "libOpenCL.so"], _ => [] };
        if (os == OSPlatform.Windows)
            return name switch { "nvcuda" => ["nvcuda.dll"], "opencl" => ["OpenCL.dll"], _ => [] };
        if (os == OSPlatform.OSX)
            return name switch { "cuda" => ["libcuda.dylib"], "opencl" => ["/System/Library/Frameworks/OpenCL.framework/OpenCL"], _ => [] };
        return [];
    }

    /// <summary>Lets ILGPU find the driver libraries under the names in <see cref="Candidates"/>; idempotent. A fallback
    /// (AssemblyLoadContext's last resort), so it never overrides .NET's search or ILGPU's own resolver (WSL).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        var loadContext = AssemblyLoadContext.GetLoadContext(Ilgpu) ?? AssemblyLoadContext.Default;
        loadContext.ResolvingUnmanagedDll += (assembly, importName) => assembly == Ilgpu ? TryLoad(importName) : IntPtr.Zero;
    }

    /// <summary>Null when the driver library for <paramref name="kind"/> loads; otherwise one line naming the library and
    /// the loader's reason, e.g. "libcuda.so.1 could not be loaded: libcuda.so.1: cannot open shared object file: No such file or directory".</summary>
    public static string? LoadError(IlgpuDeviceKind kind)
    {
        if (ImportName(kind) is not { } importName) return null;
        var candidates = Candidates(importName, CurrentOs());
        if (candidates.Count == 0 || TryLoad(importName) != IntPtr.Zero) return null;
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(candidates[0]));
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return $"{candidates[0]} could not be loaded: {LoaderReason(e.Message)}";
        }
    }

    /// <summary>A handle to the CUDA driver library (the first of its <see cref="Candidates"/> that loads), or zero.</summary>
    public static IntPtr TryLoadCudaDriver() => TryLoad(ImportName(IlgpuDeviceKind.Cuda)!);

    static IntPtr TryLoad(string importName)
    {
        foreach (var file in Candidates(importName, CurrentOs()))
            if (NativeLibrary.TryLoad(file, out var handle)) return handle;
        return IntPtr.Zero;
    }

    /// <summary>The operating system's own words from .NET's message: the lines after its "Unable to load" preamble
    /// (dlerror's on Linux, e.g. "libcuda.so.1: cannot open shared object file: No such file or directory"), joined.</summary>
    static string LoaderReason(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reason = lines.Length > 1 && lines[0].StartsWith("Unable to load", StringComparison.Ordinal) ? lines[1..] : lines;
        return reason.Length > 0 ? string.Join("; ", reason) : "no reason given";
    }

    static OSPlatform CurrentOs() =>
        OperatingSystem.IsWindows() ? OSPlatform.Windows : OperatingSystem.IsMacOS() ? OSPlatform.OSX : OperatingSystem.IsFreeBSD() ? OSPlatform.FreeBSD : OSPlatform.Linux;
}
