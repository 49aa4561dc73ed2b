using System.Runtime.InteropServices;
using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The CUDA and OpenCL driver libraries are found under the names a driver-only installation has (libcuda.so.1,
/// libOpenCL.so.1), and a library that does not load is reported with its name and the loader's reason.
/// </summary>
public sealed class DriverLibraryTests
{
    [Theory]
    [InlineData("cuda", "Linux", new[] { "libcuda.so.1", "libcuda.so" })]
    [InlineData("OpenCL", "Linux", new[] { "libOpenCL.so.1", "libOpenCL.so" })]
    [InlineData("nvcuda", "Windows", new[] { "nvcuda.dll" })]
    [InlineData("opencl", "Windows", new[] { "OpenCL.dll" })]
    [InlineData("nvcuda", "Linux", new string[0])]
    [InlineData("vulkan", "Linux", new string[0])]
    public void ImportNames_MapToTheDriversFileNames(string importName, string os, string[] expected) =>
        Assert.Equal(expected, DriverLibraries.Candidates(importName, OSPlatform.Create(os.ToUpperInvariant())));

    [Fact]
    public void MissingCudaDriver_IsReportedWithTheLibraryName()
    {
        if (!OperatingSystem.IsLinux() || NativeLibrary.TryLoad("libcuda.so.1", out _)) return;   // this machine has the driver
        var reason = IlgpuAccelerators.DriverLoadError(IlgpuDeviceKind.Cuda);
        Assert.NotNull(reason);
        Assert.StartsWith("libcuda.so.1 could not be loaded: ", reason);
        Assert.Contains("cannot open shared object file", reason);
        Assert.DoesNotContain('\n', reason);

        var error = Assert.Throws<BackendUnavailableException>(() => new IlgpuBackendProvider(IlgpuDeviceKind.Cuda).Devices());
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void DevicesCommand_SaysWhyCudaIsUnavailable()
    {
        if (!OperatingSystem.IsLinux() || NativeLibrary.TryLoad("libcuda.so.1", out _)) return;   // this machine has the driver
        var devices = CliRunner.Run("devices");
        Assert.Equal(0, devices.ExitCode);
        // The cuda row, its wrapped lines joined and the table's borders dropped.
        var cudaLines = devices.Stdout.Split('\n').SkipWhile(l => !l.Contains(" cuda ")).TakeWhile(l => !l.Contains(" opencl "));
        var cudaRow = string.Join(' ', string.Join(' ', cudaLines).Split([' ', '│'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cuda - unavailable libcuda.so.1 could not be loaded", cudaRow);
        Assert.Contains("No such file", cudaRow);
    }

    /// <summary>A driver-only machine: a libcuda.so.1 (a stub whose cuInit leaves a mark and reports no device) and no
    /// libcuda.so. ILGPU must reach the stub through the versioned name.</summary>
    [SkippableFact]
    public void CudaDriverWithOnlyTheVersionedName_IsLoaded()
    {
        if (!OperatingSystem.IsLinux()) return;
        Skip.If(Clang.Path is null, "clang is not installed (apt-get install clang): the stub driver is built with it");
        Skip.If(SystemHasUnversionedCudaLibrary(), "this machine has a libcuda.so (a CUDA toolkit or driver package), which the loader finds before the stub: not a driver-only machine");
        using var dir = new TempDirectory();
        string stub = Path.Combine(dir.Path, "stub.c"), marker = Path.Combine(dir.Path, "cuInit-called");
        File.WriteAllText(stub, """
            #include <stdio.h>
            #include <stdlib.h>
            int cuInit(unsigned flags) {
                FILE *f = fopen(getenv("CUDA_STUB_MARKER"), "w");
                if (f) fclose(f);
                return 100; /* CUDA_ERROR_NO_DEVICE */
            }
            int cuDriverGetVersion(int *version) { *version = 12000; return 0; }
            int cuDeviceGetCount(int *count) { *count = 0; return 0; }
            """);
        var (exitCode, output) = Clang.Run($"-shared -fPIC -o {Path.Combine(dir.Path, "libcuda.so.1")} {stub}");
        Assert.True(exitCode == 0, $"clang could not build the stub driver:\n{output}");

        var devices = CliRunner.RunWithEnvironment(null, new Dictionary<string, string>
        {
            ["LD_LIBRARY_PATH"] = dir.Path,
            ["CUDA_STUB_MARKER"] = marker,
        }, "devices");
        Assert.True(devices.ExitCode == 0, devices.Stderr);
        Assert.True(File.Exists(marker), $"ILGPU never called cuInit in libcuda.so.1:\n{devices.Stdout}");
        Assert.DoesNotContain("libcuda.so.1 could not be loaded", devices.Stdout);
    }

    static bool SystemHasUnversionedCudaLibrary()
    {
        if (!NativeLibrary.TryLoad("libcuda.so", out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
