namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// Checks the paths a verb will write before it does any work, so a mistake is reported at once and by option name
/// rather than after minutes of converting. A missing parent folder is created, as `mkdir -p` would.
/// </summary>
static class OutputPath
{
    /// <summary>A file to write: not empty, not an existing folder.</summary>
    public static string ForFile(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} must name a file");
        if (Directory.Exists(path)) throw new UsageException($"{option} {path} is a folder; name a file in it");
        CreateParent(path);
        return path;
    }

    /// <summary>A folder to write files into: not empty, not an existing file.</summary>
    public static string ForFolder(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} must name a folder");
        if (File.Exists(path)) throw new UsageException($"{option} {path} is a file; name a folder");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Refuses an output that is one of the files the verb reads (convert -o into its own checkpoint).</summary>
    public static void RefuseInput(string output, IEnumerable<string> inputs, string option)
    {
        string target = Resolve(output);
        foreach (string input in inputs)
            if (string.Equals(target, Resolve(input), StringComparison.Ordinal))
                throw new UsageException($"{option} {output} is one of the input files; write the GGUF elsewhere");
    }

    static void CreateParent(string path)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null) Directory.CreateDirectory(parent);
    }

    /// <summary>The full path, through a symbolic link to the file it names.</summary>
    static string Resolve(string path)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        return info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName : info.FullName;
    }
}
