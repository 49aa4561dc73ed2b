using System.Runtime.InteropServices;
using System.Text.Json;

namespace BitNet.Gpu.Tests.Support;

/// <summary>The model bundled in models/ and its golden data from PyTorch (TestData/bundled-model, see PROVENANCE.md there).</summary>
public static class BundledModel
{
    public const string FileName = "bitnet-sotu-6m-i2_s.gguf";

    /// <summary>models/bitnet-sotu-6m-i2_s.gguf, found by walking up from the test assembly to the repository.</summary>
    public static string Path
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = System.IO.Path.Combine(dir.FullName, "models", FileName);
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException($"models/{FileName} not found above {AppContext.BaseDirectory}");
        }
    }

    public static string Golden(string name) => SharedTestData.Path("bundled-model", name);

    public static int[] Int32s(string name) => MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(Golden(name))).ToArray();
    public static float[] Float32s(string name) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Golden(name))).ToArray();
    public static JsonElement Manifest => JsonDocument.Parse(File.ReadAllText(Golden("manifest.json"))).RootElement;
}
