using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Model.Synthetic;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// The paths verbs write and read: checked before any work, by option name; missing folders made; an existing path
/// written through (a link keeps its target, a device stays a device); never an input overwritten.
/// </summary>
public class CliOutputPathTests
{
    static void AssertCleanError(CliRunner.Result r, int exitCode, string fragment) => CliAssert.CleanError(r, exitCode, fragment);

    [Fact]
    public void Synth_CreatesMissingFolders_AndOverwritesAnExistingFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "generated", "deeper", "tiny.gguf");
        var first = CliRunner.Run("synth", "--preset", "tiny", "--seed", "1", "-o", path);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var firstBytes = File.ReadAllBytes(path);

        var second = CliRunner.Run("synth", "--preset", "tiny", "--seed", "2", "-o", path);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.NotEqual(firstBytes, File.ReadAllBytes(path)); // rewritten with the new seed
        using var file = GgufFile.Open(path);
        Assert.NotEmpty(file.Tensors);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.partial"));
    }

    [Fact]
    public void Synth_ThroughASymbolicLink_RewritesItsTarget_AndKeepsTheLink()
    {
        using var dir = new TempDirectory();
        string target = dir.File("target.gguf"), link = dir.File("link.gguf");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);

        var r = CliRunner.Run("synth", "--preset", "tiny", "-o", link);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        using var file = GgufFile.Open(target);
        Assert.NotEmpty(file.Tensors);
    }

    [Fact]
    public void Synth_RejectsAnEmptyOrFolderOutput_AndNamesBadShapesByOption()
    {
        using var dir = new TempDirectory();
        AssertCleanError(CliRunner.Run("synth", "--preset", "tiny", "-o", ""), 1, "-o must name a file");
        AssertCleanError(CliRunner.Run("synth", "--preset", "tiny", "-o", dir.Path), 1, "is a folder");
        AssertCleanError(CliRunner.Run("synth", "--preset", "tiny", "--layers", "0", "-o", dir.File("x.gguf")), 1, "--layers 0 is out of range");
        AssertCleanError(CliRunner.Run("synth", "--preset", "tiny", "--hidden", "-4", "-o", dir.File("x.gguf")), 1, "--hidden -4");
        var upper = CliRunner.Run("synth", "--preset", "tiny", "--arch", "LLAMA", "-o", dir.File("llama.gguf"));
        Assert.True(upper.ExitCode == 0, upper.Stderr); // architecture names are not case-sensitive, like --type
    }

    [Fact]
    public void Convert_RefusesToWriteOverItsOwnCheckpoint()
    {
        using var dir = new TempDirectory();
        string weights = dir.File("model.safetensors");
        File.WriteAllText(dir.File("config.json"), "{}");
        File.WriteAllBytes(weights, [1, 2, 3, 4]);
        AssertCleanError(CliRunner.Run("convert", dir.Path, "-o", weights), 1, "is one of the input files");
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(weights));
        AssertCleanError(CliRunner.Run("convert", dir.Path, "-o", ""), 1, "-o must name a file");
    }

    [Fact]
    public void Eval_ChecksItsOutputsBeforeRunning_AndMakesMissingFolders()
    {
        using var dir = new TempDirectory();
        string model = BundledModel.Path;
        string existingFile = dir.File("file.bin");
        File.WriteAllText(existingFile, "x");
        AssertCleanError(CliRunner.Run("eval", "-m", model, "--tokens", "1 2", "--dump-logits", dir.File("l.bin"), "--dump-tensors", existingFile),
                         1, "--dump-tensors");
        AssertCleanError(CliRunner.Run("eval", "-m", model, "--tokens", "1 2", "--dump-logits", dir.Path), 1, "--dump-logits");

        string logits = Path.Combine(dir.Path, "new", "logits.bin");
        var r = CliRunner.Run("eval", "-m", model, "--tokens", "1 2", "--dump-logits", logits);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(new FileInfo(logits).Length > 0);
    }

    [Fact]
    public void AFolderAsTheModel_IsNamedAsAFolder()
    {
        using var dir = new TempDirectory();
        AssertCleanError(CliRunner.Run("info", dir.Path), 2, "is a folder, not a model file");
        AssertCleanError(CliRunner.Run("run", "-m", dir.Path, "-p", "hi"), 2, "is a folder");
    }

    [Fact]
    public void AContextTheMemoryCannotHold_IsAnErrorNamingCtx_NotAnAllocation()
    {
        // A file may claim any context length; 16 layers × 2^24 positions × 128 key/value floats, keys and values, f32: 275 GB.
        using var dir = new TempDirectory();
        string path = dir.File("long-context.gguf");
        SyntheticModel.Write(SyntheticModelOptions.Tiny with { LayerCount = 16, ContextLength = 1 << 24 }, path);
        var options = new LoadOptions { Backend = "cpu", ContextLength = 1 << 24, CacheType = KvCacheType.F32 };
        var e = Assert.Throws<ArgumentException>(() => LoadedModel.Load(path, options, new BackendRegistry()));
        Assert.Contains("--ctx 16777216 needs a 274.9 GB KV cache", e.Message);
    }
}
