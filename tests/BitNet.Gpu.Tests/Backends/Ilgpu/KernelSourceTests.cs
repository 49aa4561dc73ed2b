using System.Diagnostics;
using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The OpenCL C and PTX that ILGPU generates for every kernel, made without a device. The OpenCL C goes through
/// clang's OpenCL front end (skipped, with the reason shown, where clang is not installed).
/// </summary>
public sealed class KernelSourceTests
{
    [Fact]
    public void OpenCl_EveryKernelHasAnEntryPoint()
    {
        var sources = IlgpuKernelSources.OpenCl();
        Assert.Equal(31, sources.Count);
        foreach (var (name, source) in sources)
            Assert.True(source.Contains("kernel void", StringComparison.Ordinal), $"{name}: no kernel function in the generated OpenCL C");
    }

    [ClangFact]
    public void OpenCl_EveryKernelCompilesWithClang()
    {
        using var directory = new TempDirectory();
        foreach (var (name, source) in IlgpuKernelSources.OpenCl())
        {
            string path = Path.Combine(directory.Path, name + ".cl");
            File.WriteAllText(path, source);
            var (exitCode, output) = Clang.Run($"-cl-std=CL2.0 -Xclang -finclude-default-header -target spir64 -fsyntax-only {path}");
            Assert.True(exitCode == 0, $"{name}: clang rejected the generated OpenCL C:\n{output}");
        }
    }

    [Fact]
    public void OpenCl_EveryBarrierFencesLocalMemory()
    {
        // The shared-memory row sums and attention's tiles exchange values through local arrays across these barriers.
        int barriers = 0;
        foreach (var (name, source) in IlgpuKernelSources.OpenCl())
            foreach (var (call, fencesLocalMemory) in OpenClBarriers.Barriers(source))
            {
                barriers++;
                Assert.True(fencesLocalMemory, $"{name}: '{call}' does not fence local memory (CLK_LOCAL_MEM_FENCE)");
            }
        Assert.True(barriers >= 8, $"only {barriers} barriers found in the OpenCL C: the check no longer sees ILGPU's barrier calls");
    }

    [Theory]
    [InlineData("\t work_group_barrier ( CLK_GLOBAL_MEM_FENCE );", "\t work_group_barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);")]
    [InlineData("work_group_barrier(CLK_GLOBAL_MEM_FENCE, memory_scope_work_group);", "work_group_barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE, memory_scope_work_group);")]
    [InlineData("barrier(CLK_GLOBAL_MEM_FENCE);", "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);")]
    [InlineData("work_group_barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);", "work_group_barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);")]
    [InlineData("sub_group_barrier(CLK_GLOBAL_MEM_FENCE); my_barrier_count = 1;", "sub_group_barrier(CLK_GLOBAL_MEM_FENCE); my_barrier_count = 1;")]
    public void OpenClBarrierFlags_GainTheLocalFence(string source, string expected)
    {
        Assert.Equal(expected, OpenClBarriers.FenceLocalMemory(source));
        Assert.All(OpenClBarriers.Barriers(expected), b => Assert.True(b.FencesLocalMemory, b.Call));
    }

    [Fact]
    public void Ptx_EveryKernelGenerates_WithDp4aAndWarpShuffles()
    {
        var sources = IlgpuKernelSources.Ptx().ToDictionary(s => s.Name, s => s.Source);
        Assert.Equal(31, sources.Count);
        foreach (var (name, ptx) in sources)
            Assert.True(ptx.Contains(".entry", StringComparison.Ordinal), $"{name}: no .entry in the PTX");
        Assert.Contains("dp4a.u32.s32", sources["ternary_matvec"]);
        Assert.Contains("dp4a.u32.s32", sources["ternary_matmat"]);
        Assert.Contains("shfl.sync.down", sources["ternary_matvec"]);
        Assert.Contains("shfl.sync.down", sources["dense_matvec_f16"]);
        Assert.Contains("dp4a.s32.s32", sources["q8_matvec"]);
        Assert.Contains("ld.v4.b32", sources["q8_matvec"]);
        Assert.Contains("atom.add.shared", sources["top_select"]);   // the histogram counts in shared memory
    }

    [Fact]
    public void Ptx_F16ProjectionLoads16Bytes_AndConvertsInHardware()
    {
        string ptx = IlgpuKernelSources.Ptx().Single(s => s.Name == "dense_matvec_f16").Source;
        Assert.Contains("ld.v4.b32", ptx);    // eight weights
        Assert.Contains("ld.v4.f32", ptx);    // four inputs
        Assert.Contains("cvt.f32.f16", ptx);
    }

    [Fact]
    public void OpenCl_F16ProjectionNeedsNoHalfType()
    {
        string source = IlgpuKernelSources.OpenCl().Single(s => s.Name == "dense_matvec_f16").Source;
        Assert.DoesNotContain("half", source);   // devices without cl_khr_fp16 must build it
    }

    [Theory]
    [InlineData("ternary_matvec")]
    [InlineData("ternary_matmat")]
    [InlineData("q8_matvec")]
    [InlineData("q8_screen")]
    public void Ptx_Dp4aKernels_KeepDp4aInRegisters_AndLoad16Bytes(string kernel)
    {
        // The memory-speed budget (tools/gpu/sass-report.sh checks the SASS): dp4a results never pass through local
        // memory (CudaAsm.Emit's out arguments do), weights and activations come in 16-byte vector loads.
        string ptx = IlgpuKernelSources.Ptx().Single(s => s.Name == kernel).Source;
        string[] instructions = [.. ptx.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith("//", StringComparison.Ordinal))];
        Assert.DoesNotContain(instructions, i => i.StartsWith("st.local", StringComparison.Ordinal) || i.StartsWith("ld.local", StringComparison.Ordinal));
        Assert.DoesNotContain(instructions, i => i.StartsWith(".local", StringComparison.Ordinal));
        Assert.Contains(instructions, i => i.StartsWith("ld.v4.b32", StringComparison.Ordinal) || i.StartsWith("ld.global.v4", StringComparison.Ordinal));
    }
}

/// <summary>A fact that is skipped, saying why, when no clang is on the PATH.</summary>
public sealed class ClangFactAttribute : FactAttribute
{
    public ClangFactAttribute()
    {
        if (Clang.Path is null) Skip = "clang is not installed (apt-get install clang): the offline OpenCL C compile check needs it";
    }
}

static class Clang
{
    public static readonly string? Path = Find();

    static string? Find()
    {
        string[] names = ["clang", .. Enumerable.Range(14, 8).Reverse().Select(v => $"clang-{v}")];
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return names.SelectMany(n => directories.Select(d => System.IO.Path.Combine(d, n))).FirstOrDefault(File.Exists);
    }

    public static (int ExitCode, string Output) Run(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(Path!, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
