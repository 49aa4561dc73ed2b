namespace BitNet.Gpu.Fuzz;

/// <summary>
/// Files of this repository that targets read (real vocabularies), found by walking up from the running assembly or,
/// when it was published elsewhere (fuzz.sh with FUZZ_OUT), from the current folder.
/// </summary>
public static class RepositoryFiles
{
    /// <summary>The repository's root: the first folder above the assembly with models/ and tests/Fuzz/.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path inside the repository.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    static string FindRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Directory.Exists(System.IO.Path.Combine(dir.FullName, "models")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "tests", "Fuzz")))
                    return dir.FullName;
        throw new DirectoryNotFoundException($"the repository (models/ and tests/Fuzz/) is above neither {AppContext.BaseDirectory} nor {Environment.CurrentDirectory}");
    }
}
