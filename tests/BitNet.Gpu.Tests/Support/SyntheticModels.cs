using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Synthetic;

namespace BitNet.Gpu.Tests.Support;

/// <summary>Tiny synthetic models written once per test run into a temp folder, shared by the tests and deleted when the
/// test process exits.</summary>
public static class SyntheticModels
{
    static readonly string Folder = Directory.CreateTempSubdirectory("bitnet-gpu-models-").FullName;
    static readonly Dictionary<string, string> Written = new();
    static readonly object Gate = new();

    static SyntheticModels() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteFolder();

    static void DeleteFolder()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // a leftover temp folder is harmless
    }

    /// <summary>
    /// The tiny preset for an architecture and ternary type (hidden 256, FFN 768, 2 layers, 4/2 heads, vocab 512), with
    /// an F16 embedding unless another is asked for (untied: a separate output matrix of the same type), a context of
    /// 128 positions unless another is asked for.
    /// </summary>
    public static string Tiny(string architecture, GgmlType type, ulong seed = 7, GgmlType embedding = GgmlType.F16, bool untied = false,
                              int contextLength = 128)
    {
        string key = $"{architecture}-{type}-{seed}" + (embedding == GgmlType.F16 ? "" : $"-{embedding}") + (untied ? "-untied" : "")
                     + (contextLength == 128 ? "" : $"-ctx{contextLength}");
        var options = SyntheticModelOptions.Tiny with { Architecture = architecture, TernaryType = type, Seed = seed, ContextLength = contextLength, EmbeddingType = embedding };
        if (untied) options = options with { TiedEmbedding = false };
        return WriteOnce(key, options);
    }

    /// <summary>A synthetic model of any options, written once per test run under <paramref name="name"/>.</summary>
    public static string Custom(string name, SyntheticModelOptions options) => WriteOnce("custom-" + name, options);

    static string WriteOnce(string key, SyntheticModelOptions options)
    {
        lock (Gate)
        {
            if (Written.TryGetValue(key, out var path)) return path;
            path = Path.Combine(Folder, key + ".gguf");
            SyntheticModel.Write(options, path);
            Written[key] = path;
            return path;
        }
    }
}
