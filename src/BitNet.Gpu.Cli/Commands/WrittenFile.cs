namespace BitNet.Gpu.Cli.Commands;

/// <summary>The closing line of a verb that writes a model: the path and the size of what was written.</summary>
static class WrittenFile
{
    /// <summary>
    /// Reports <paramref name="path"/> and its size in MB on stderr. The size is the opened file's, so an output reached
    /// through a symbolic link reports the model written, not the link.
    /// </summary>
    public static void Report(string path)
    {
        using var handle = File.OpenHandle(path);
        Console.Error.WriteLine($"wrote {path} ({RandomAccess.GetLength(handle) / 1e6:F1} MB)");
    }
}
