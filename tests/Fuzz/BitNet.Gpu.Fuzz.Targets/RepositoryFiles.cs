namespace BitNet.Gpu.Fuzz;

/// <summary>Files of this repository that targets read (real vocabularies), found by walking up from the running assembly.</summary>
public static class RepositoryFiles
{
    /// <summary>The repository's root: the first folder above the assembly with models/ and tests/Fuzz/.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path inside the repository.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(System.IO.Path.Combine(dir.FullName, "models")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "tests", "Fuzz")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"the repository (models/ and tests/Fuzz/) is not above {AppContext.BaseDirectory}");
    }
}
