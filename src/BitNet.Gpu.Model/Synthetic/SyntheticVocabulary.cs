using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Synthetic;

/// <summary>
/// The tokenizer.* metadata of a synthetic model: copied from a GGUF, exported from a tokenizer.json, or generated
/// (256 byte-level tokens, then BOS and EOS, no merges), and padded with [PAD{id}] tokens to the model's vocabulary.
/// </summary>
public static class SyntheticVocabulary
{
    public const int GeneratedBosId = 256, GeneratedEosId = 257;
    public const int GeneratedDefaultSize = 512;

    /// <summary>The metadata entries and the vocabulary size the model gets.</summary>
    public static (List<KeyValuePair<string, GgufValue>> Entries, int VocabSize) Build(string? vocabularyPath, int? vocabSize)
    {
        var entries = vocabularyPath switch
        {
            null => Generated(vocabSize ?? GeneratedDefaultSize),
            _ when vocabularyPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) => FromGguf(vocabularyPath),
            _ => FromTokenizerJson(vocabularyPath),
        };
        int tokenCount = ((string[])entries.First(e => e.Key == "tokenizer.ggml.tokens").Value.Value).Length;
        int size = vocabSize ?? (vocabularyPath is null ? GeneratedDefaultSize : tokenCount);
        if (size < tokenCount)
            throw new ArgumentException($"vocabulary size {size} is smaller than the {tokenCount} tokens of {vocabularyPath ?? "the generated vocabulary"}", nameof(vocabSize));
        return (Pad(entries, size), size);
    }

    /// <summary>
    /// GPT-2's byte-level alphabet as tokens 0..255 (so any text encodes), then BOS and EOS, then merged pairs of
    /// common English letters up to <paramref name="size"/> tokens, so the BPE has merges to apply.
    /// </summary>
    public static List<KeyValuePair<string, GgufValue>> Generated(int size = GeneratedDefaultSize)
    {
        var pairs = GeneratedMerges(Math.Max(0, size - 258));
        var tokens = new string[258 + pairs.Count];
        var types = new int[tokens.Length];
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToHashSet();
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            tokens[b] = printable.Contains(b) ? ((char)b).ToString() : ((char)(256 + next++)).ToString();
            types[b] = HuggingFaceVocabularyExporter.Normal;
        }
        tokens[GeneratedBosId] = "<|begin_of_text|>";
        tokens[GeneratedEosId] = "<|end_of_text|>";
        types[GeneratedBosId] = types[GeneratedEosId] = HuggingFaceVocabularyExporter.Control;
        for (int i = 0; i < pairs.Count; i++)
        {
            tokens[258 + i] = pairs[i].Left + pairs[i].Right;
            types[258 + i] = HuggingFaceVocabularyExporter.Normal;
        }
        return
        [
            new("tokenizer.ggml.model", GgufValue.Of("gpt2")),
            new("tokenizer.ggml.pre", GgufValue.Of("llama-bpe")), // the Llama 3 pre-tokenizer regex; any works for a byte alphabet
            new("tokenizer.ggml.tokens", GgufValue.Of(tokens)),
            new("tokenizer.ggml.token_type", GgufValue.Of(types)),
            new("tokenizer.ggml.merges", GgufValue.Of(pairs.Select(p => $"{p.Left} {p.Right}").ToArray())),
            new("tokenizer.ggml.bos_token_id", GgufValue.Of((uint)GeneratedBosId)),
            new("tokenizer.ggml.eos_token_id", GgufValue.Of((uint)GeneratedEosId)),
            new("tokenizer.ggml.add_bos_token", GgufValue.Of(true)),
        ];
    }

    /// <summary>Pairs of single letters ('Ġ' is the byte-level space), frequent ones first.</summary>
    static List<(string Left, string Right)> GeneratedMerges(int count)
    {
        const string lefts = "Ġetaoinshrdlcumwfgypbvk", rights = "etaoinshrdlcumwfgypbvk";
        return lefts.SelectMany(l => rights.Select(r => (l.ToString(), r.ToString()))).Take(count).ToList();
    }

    static List<KeyValuePair<string, GgufValue>> FromGguf(string path)
    {
        using var file = GgufFile.Open(path);
        var entries = file.Metadata.Entries.Where(e => e.Key.StartsWith("tokenizer.", StringComparison.Ordinal)).ToList();
        if (!entries.Any(e => e.Key == "tokenizer.ggml.tokens" && e.Value.Value is string[]))
            throw new ModelFormatException(path, "no tokenizer.ggml.tokens string array: not a vocabulary file");
        return entries;
    }

    static List<KeyValuePair<string, GgufValue>> FromTokenizerJson(string path)
    {
        string config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json");
        return HuggingFaceVocabularyExporter.Export(path, File.Exists(config) ? config : null);
    }

    /// <summary>Pads tokens, token types and scores to <paramref name="size"/> entries, as llama.cpp's converter fills holes.</summary>
    static List<KeyValuePair<string, GgufValue>> Pad(List<KeyValuePair<string, GgufValue>> entries, int size)
    {
        var result = new List<KeyValuePair<string, GgufValue>>(entries.Count);
        foreach (var (key, value) in entries)
        {
            var padded = (key, value.Value) switch
            {
                ("tokenizer.ggml.tokens", string[] tokens) when tokens.Length < size =>
                    GgufValue.Of([.. tokens, .. Enumerable.Range(tokens.Length, size - tokens.Length).Select(id => $"[PAD{id}]")]),
                ("tokenizer.ggml.token_type", int[] types) when types.Length < size =>
                    GgufValue.Of([.. types, .. Enumerable.Repeat(HuggingFaceVocabularyExporter.UserDefined, size - types.Length)]),
                ("tokenizer.ggml.scores", float[] scores) when scores.Length < size =>
                    GgufValue.Of([.. scores, .. new float[size - scores.Length]]),
                _ => value,
            };
            result.Add(new(key, padded));
        }
        return result;
    }
}
