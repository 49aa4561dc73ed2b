using System.Diagnostics;
using BitNet.Gpu.Kernels.Vulkan;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>The committed SPIR-V is what glslc makes of the committed GLSL, and every shader is embedded.</summary>
public sealed class VulkanShaderTests
{
    static string ShaderDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BitNet.Gpu.sln")))
                return Path.Combine(dir.FullName, "kernels", "BitNet.Gpu.Kernels.Vulkan", "Shaders");
        throw new DirectoryNotFoundException("the repository root (BitNet.Gpu.sln) was not found above the test binaries");
    }

    [Fact]
    public void EveryCommittedSpirvIsEmbeddedAndEverySourceCompiled()
    {
        string dir = ShaderDirectory();
        var committed = Directory.GetFiles(dir, "*.spv").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(committed, VulkanShaders.Names.Order().ToArray());
        foreach (string source in Directory.GetFiles(dir, "*.comp"))
            Assert.Contains(Path.GetFileNameWithoutExtension(source), committed);
        foreach (string name in VulkanShaders.Names)
        {
            var spirv = VulkanShaders.Load(name);
            Assert.True(spirv.Length > 20 && BitConverter.ToUInt32(spirv) == 0x07230203, $"{name}.spv is not SPIR-V");
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, name + ".spv")), spirv);
        }
        Assert.Throws<ArgumentException>(() => VulkanShaders.Load("no_such_shader"));
    }

    [GlslcFact]
    public void CommittedSpirvMatchesAFreshCompile()
    {
        string dir = ShaderDirectory();
        string output = Directory.CreateTempSubdirectory("bitnet-spirv-").FullName;
        try
        {
            var script = Process.Start(new ProcessStartInfo("bash", [Path.Combine(dir, "..", "compile-shaders.sh"), output]) { RedirectStandardError = true })!;
            string errors = script.StandardError.ReadToEnd();
            script.WaitForExit();
            Assert.True(script.ExitCode == 0, $"compile-shaders.sh failed: {errors}");
            string[] fresh = [.. Directory.GetFiles(output, "*.spv").Select(path => Path.GetFileName(path)).Order()];
            Assert.Equal(Directory.GetFiles(dir, "*.spv").Select(path => Path.GetFileName(path)).Order().ToArray(), fresh);
            foreach (string name in fresh)
                Assert.True(File.ReadAllBytes(Path.Combine(output, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, name))),
                    $"{name} is out of date: run kernels/BitNet.Gpu.Kernels.Vulkan/compile-shaders.sh");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}

/// <summary>A fact that needs the glslc shader compiler; skipped, saying so, when it is not on PATH.</summary>
public sealed class GlslcFactAttribute : FactAttribute
{
    public GlslcFactAttribute()
    {
        bool found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "glslc")));
        if (!found) Skip = "glslc is not on PATH (Debian: glslc): the committed SPIR-V was not rechecked against its GLSL";
    }
}
