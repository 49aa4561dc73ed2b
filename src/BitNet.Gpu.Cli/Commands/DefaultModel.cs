namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// The model used when no -m is given: BITNET_GPU_MODEL when set, else the bundled one in the first models/ folder found
/// walking up from the program's folder (the installed .NET tool carries a copy beside the program;
/// in the repository it is models/ at the root).
/// </summary>
public static class DefaultModel
{
    public const string FileName = "bitnet-sotu-6m-i2_s.gguf";

    public static string Resolve()
    {
        if (Environment.GetEnvironmentVariable("BITNET_GPU_MODEL") is { Length: > 0 } fromEnvironment)
            return fromEnvironment;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", FileName);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"no -m given and the bundled model models/{FileName} was not found; pass -m MODEL.gguf");
    }
}
