using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Synthetic;

namespace BitNet.Gpu.Tests.Support;

/// <summary>Tiny synthetic models written once per test run into a temp folder and shared by the tests.</summary>
public static class SyntheticModels
{
    static readonly string Folder = Directory.CreateTempSubdirectory("bitnet-gpu-models-").FullName;
    static readonly Dictionary<string, string> Written = new();
    static readonly object Gate = new();

    /// <summary>The tiny preset for an architecture and ternary type (hidden 256, FFN 768, 2 layers, 4/2 heads, vocab 512).</summary>
    public static string Tiny(string architecture, GgmlType type, ulong seed = 7)
    {
        string key = $"{architecture}-{type}-{seed}";
        lock (Gate)
        {
            if (Written.TryGetValue(key, out var path)) return path;
            path = Path.Combine(Folder, key + ".gguf");
            SyntheticModel.Write(SyntheticModelOptions.Tiny with { Architecture = architecture, TernaryType = type, Seed = seed, ContextLength = 128 }, path);
            Written[key] = path;
            return path;
        }
    }
}
