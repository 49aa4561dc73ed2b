using System.IO.Compression;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

/// <summary>The Llama 3 tokenizer fixtures in TestData/tokenizers/llama3-bpe (see PROVENANCE.md there), loaded once.</summary>
static class Llama3TestData
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData", "tokenizers", "llama3-bpe");

    static readonly Lazy<Tokenizer> FromJsonLazy = new(() =>
    {
        using var json = new GZipStream(File.OpenRead(Path.Combine(Directory, "tokenizer.json.gz")), CompressionMode.Decompress);
        using var config = File.OpenRead(Path.Combine(Directory, "tokenizer_config.json"));
        return new Tokenizer(HuggingFaceVocabularyReader.Read(json, "tokenizer.json", config, "tokenizer_config.json"));
    });

    /// <summary>Llama 3 from tokenizer.json + tokenizer_config.json.</summary>
    public static Tokenizer FromJson => FromJsonLazy.Value;

    /// <summary>Decompresses a .gz fixture to a temporary file (deleted at process exit) and returns its path.</summary>
    public static string Decompress(string gzName)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bitnet-tok-{Environment.ProcessId}-{gzName[..^3]}");
        if (!File.Exists(path))
        {
            using var input = new GZipStream(File.OpenRead(Path.Combine(Directory, gzName)), CompressionMode.Decompress);
            using var output = File.Create(path);
            input.CopyTo(output);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        }
        return path;
    }

    /// <summary>llama.cpp's 46 test texts (separated by lines "__ggml_vocab_test__") with their expected ids, no BOS.</summary>
    public static IReadOnlyList<(string Text, int[] Ids)> TestVectors()
    {
        string input = File.ReadAllText(Path.Combine(Directory, "test-vectors.inp"));
        var texts = input.Split("\n__ggml_vocab_test__\n");
        texts = texts[..^1]; // the file ends with a separator
        string[] lines = File.ReadAllLines(Path.Combine(Directory, "test-vectors.out"));
        if (texts.Length != lines.Length) throw new InvalidDataException($"{texts.Length} texts but {lines.Length} expected lines");
        return texts.Select((t, i) => (t, lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }

    public static IEnumerable<object[]> VectorIndices() => Enumerable.Range(0, 46).Select(i => new object[] { i });
}
