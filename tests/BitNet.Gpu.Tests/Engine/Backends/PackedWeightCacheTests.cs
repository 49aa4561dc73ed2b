using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;
using Xunit;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>
/// The CPU backend's cache of repacked I2_S weights: a miss writes it, a hit reads it, and a stale, truncated or
/// tampered file is never used (the weights are repacked, exactly, and the file rewritten). Every case compares the
/// packed codes with a backend that has no cache.
/// </summary>
public sealed class PackedWeightCacheTests : IDisposable
{
    readonly TempDirectory _folder = new();
    readonly string _model, _cacheFolder;

    public PackedWeightCacheTests()
    {
        _model = _folder.File("model.gguf");
        File.Copy(BundledModel.Path, _model);
        _cacheFolder = _folder.File("cache");
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Every I2_S tensor's packed codes as the backend made them (with or without a cache).</summary>
    static List<byte[]> UploadAll(string model, string? cacheFolder)
    {
        using var file = GgufFile.Open(model);
        using var backend = new CpuBackend(threads: 1, cacheFolder);
        var codes = new List<byte[]>();
        foreach (var tensor in file.Tensors.Where(t => t.Type == GgmlType.I2_S))
        {
            using var weight = (CpuWeight)backend.UploadTernary(file, tensor);
            codes.Add(weight.Ternary!.PackedCodes.ToArray());
        }
        return codes;
    }

    string CacheFile() => Assert.Single(Directory.GetFiles(_cacheFolder));

    bool IsHit()
    {
        using var file = GgufFile.Open(_model);
        using var cache = PackedWeightCache.Open(file, _cacheFolder);
        return cache.IsHit;
    }

    [Fact]
    public void MissWritesTheCacheAndHitReadsTheSameCodes()
    {
        var expected = UploadAll(_model, cacheFolder: null);
        Assert.NotEmpty(expected);
        Assert.False(Directory.Exists(_cacheFolder));

        Assert.Equal(expected, UploadAll(_model, _cacheFolder)); // miss: repacked, and saved
        string path = CacheFile();
        Assert.True(IsHit());
        var written = File.GetLastWriteTimeUtc(path);

        Assert.Equal(expected, UploadAll(_model, _cacheFolder)); // hit: read from the file, which is left as it is
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Empty(Directory.GetFiles(_cacheFolder, "*.tmp"));
    }

    [Fact]
    public void AWriteAbandonedByAKilledProcessIsDeletedAndOneInProgressKept()
    {
        UploadAll(_model, _cacheFolder);
        string path = CacheFile();
        File.Delete(path); // a miss, so the next load writes
        string abandoned = path + ".999991.tmp", inProgress = path + ".999992.tmp";
        File.WriteAllBytes(abandoned, [1]);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-1));
        File.WriteAllBytes(inProgress, [2]);

        UploadAll(_model, _cacheFolder);
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(inProgress));
        Assert.True(IsHit());
    }

    [Fact]
    public void ChangedModelIsAMiss()
    {
        UploadAll(_model, _cacheFolder);
        Assert.True(IsHit());
        File.SetLastWriteTimeUtc(_model, File.GetLastWriteTimeUtc(_model).AddMinutes(1)); // same bytes, newer file: stale
        Assert.False(IsHit());
        Assert.Equal(UploadAll(_model, null), UploadAll(_model, _cacheFolder));
        Assert.True(IsHit());
        CacheFile(); // the stale file was replaced, not left beside the new one
    }

    [Fact]
    public void TamperedFirstTensorIsRepackedAndTheFileRewritten()
    {
        var expected = UploadAll(_model, null);
        UploadAll(_model, _cacheFolder);
        string path = CacheFile();
        var good = File.ReadAllBytes(path);
        var bad = (byte[])good.Clone();
        bad[4096 + 7] ^= 0b10; // the first tensor's codes: nothing has been read from the file yet
        File.WriteAllBytes(path, bad);
        Assert.True(IsHit()); // the header still matches: only the codes' check can tell

        Assert.Equal(expected, UploadAll(_model, _cacheFolder));
        Assert.Equal(good, File.ReadAllBytes(CacheFile()));
    }

    [Fact]
    public void TamperedLastTensorOnlyIsRepackedAndTheFileRewritten()
    {
        var expected = UploadAll(_model, null);
        UploadAll(_model, _cacheFolder);
        string path = CacheFile();
        var good = File.ReadAllBytes(path);
        var bad = (byte[])good.Clone();
        int at = Array.FindLastIndex(bad, b => b != 0); // the last tensor's last code byte (padding to 4 KiB is zeros)
        bad[at] ^= 0b11;
        File.WriteAllBytes(path, bad);

        Assert.Equal(expected, UploadAll(_model, _cacheFolder));
        Assert.Equal(good, File.ReadAllBytes(CacheFile())); // the tensors read before the bad one were saved too
    }

    [Theory]
    [InlineData(0)]       // an empty file
    [InlineData(100)]     // inside the header
    [InlineData(-4096)]   // a tensor short
    public void TruncatedFileIsAMissAndRewritten(int keep)
    {
        var expected = UploadAll(_model, null);
        UploadAll(_model, _cacheFolder);
        string path = CacheFile();
        var good = File.ReadAllBytes(path);
        File.WriteAllBytes(path, good.AsSpan(0, keep >= 0 ? keep : good.Length + keep).ToArray());
        Assert.False(IsHit());

        Assert.Equal(expected, UploadAll(_model, _cacheFolder));
        Assert.Equal(good, File.ReadAllBytes(CacheFile()));
    }

    [Theory]
    [InlineData(0)]   // the magic number
    [InlineData(8)]   // the format version
    [InlineData(40)]  // the model's key
    public void TamperedHeaderIsAMiss(int at)
    {
        UploadAll(_model, _cacheFolder);
        string path = CacheFile();
        var bytes = File.ReadAllBytes(path);
        bytes[at] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.False(IsHit());
        Assert.Equal(UploadAll(_model, null), UploadAll(_model, _cacheFolder));
        Assert.True(IsHit());
    }

    [Fact]
    public void UnwritableFolderStillLoads()
    {
        File.WriteAllText(_cacheFolder, "a file where the folder should be");
        Assert.Equal(UploadAll(_model, null), UploadAll(_model, _cacheFolder));
    }

    [Fact]
    public void TheCacheIsOffUnlessTheVariableTurnsItOnOrNamesAFolder()
    {
        string? before = Environment.GetEnvironmentVariable(PackedWeightCache.FolderVariable);
        string? xdgBefore = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable(PackedWeightCache.FolderVariable, null);
            Assert.Null(PackedWeightCache.DefaultFolder());
            Environment.SetEnvironmentVariable(PackedWeightCache.FolderVariable, "off");
            Assert.Null(PackedWeightCache.DefaultFolder());
            Environment.SetEnvironmentVariable(PackedWeightCache.FolderVariable, _cacheFolder);
            Assert.Equal(_cacheFolder, PackedWeightCache.DefaultFolder());
            Environment.SetEnvironmentVariable(PackedWeightCache.FolderVariable, "on");
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", _cacheFolder);
            Assert.Equal(Path.Combine(_cacheFolder, "bitnet-gpu"), PackedWeightCache.DefaultFolder());
        }
        finally
        {
            Environment.SetEnvironmentVariable(PackedWeightCache.FolderVariable, before);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", xdgBefore);
        }
    }
}
