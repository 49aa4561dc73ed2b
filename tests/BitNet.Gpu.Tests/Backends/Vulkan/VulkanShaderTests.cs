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
    public void EverySourceIsEmbeddedAsSpirv()
    {
        var sources = Directory.GetFiles(ShaderDirectory(), "*.comp").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(sources, VulkanShaders.Names.Order().ToArray());
        foreach (string name in VulkanShaders.Names)
        {
            var spirv = VulkanShaders.Load(name);
            Assert.True(spirv.Length > 20 && BitConverter.ToUInt32(spirv) == 0x07230203, $"{name}.spv is not SPIR-V");
            Assert.Equal(File.ReadAllBytes(Path.Combine(ShaderDirectory(), name + ".spv")), spirv);
        }
        Assert.Throws<ArgumentException>(() => VulkanShaders.Load("no_such_shader"));
    }

    [GlslcFact]
    public void CommittedSpirvMatchesAFreshCompile()
    {
        string output = Directory.CreateTempSubdirectory("bitnet-spirv-").FullName;
        try
        {
            foreach (string source in Directory.GetFiles(ShaderDirectory(), "*.comp"))
            {
                string name = Path.GetFileNameWithoutExtension(source);
                string fresh = Path.Combine(output, name + ".spv");
                // The same command as kernels/BitNet.Gpu.Kernels.Vulkan/compile-shaders.sh.
                var glslc = Process.Start(new ProcessStartInfo("glslc", ["--target-env=vulkan1.1", "-O", "-o", fresh, source]) { RedirectStandardError = true })!;
                string errors = glslc.StandardError.ReadToEnd();
                glslc.WaitForExit();
                Assert.True(glslc.ExitCode == 0, $"glslc failed on {name}.comp: {errors}");
                Assert.True(File.ReadAllBytes(fresh).AsSpan().SequenceEqual(File.ReadAllBytes(Path.ChangeExtension(source, ".spv"))),
                    $"{name}.spv is out of date: run kernels/BitNet.Gpu.Kernels.Vulkan/compile-shaders.sh");
            }
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
