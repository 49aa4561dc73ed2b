namespace BitNet.Gpu.Fuzz;

/// <summary>
/// A file this process rewrites with each input, for the readers that open a path (GGUF and safetensors are
/// memory-mapped). In /dev/shm where there is one, so the fuzzer does not wear the disk.
/// </summary>
static class ScratchFile
{
    static readonly string Folder = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    /// <summary>Writes <paramref name="bytes"/> to this process's scratch file with <paramref name="extension"/> and returns its path.</summary>
    public static string Write(byte[] bytes, string extension)
    {
        string path = Path.Combine(Folder, $"bitnet-gpu-fuzz-{Environment.ProcessId}{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
