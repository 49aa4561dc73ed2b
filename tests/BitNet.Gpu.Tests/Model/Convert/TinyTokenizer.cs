using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BitNet.Gpu.Tests.Model.Convert;

/// <summary>
/// Hand-made tokenizer.json / tokenizer_config.json files: a byte-level BPE (GPT-2 byte alphabet, a few merges,
/// a hole in the ids, special and non-special added tokens) and a SentencePiece-style one with byte fallback.
/// </summary>
internal static class TinyTokenizer
{
    public const int BosId = 262, EosId = 263, UserId = 264, VocabSize = 270; // ids 265..269 are holes
    public static readonly string[] Merges = ["Ġ t", "h e", "Ġt he"];
    public const string ChatTemplate = "{% for m in messages %}{{ m['content'] }}{% endfor %}";

    /// <summary>GPT-2's byte → printable character map (bytes that are printable map to themselves).</summary>
    public static string[] ByteLevelAlphabet()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToHashSet();
        var result = new string[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
            result[b] = printable.Contains(b) ? ((char)b).ToString() : ((char)(256 + next++)).ToString();
        return result;
    }

    /// <summary>Byte tokens 0..255, merges 256..258 ("Ġt", "he", "Ġthe"), 259..261 unused text tokens, added 262..264.</summary>
    public static Dictionary<string, int> ByteLevelVocab()
    {
        var vocab = new Dictionary<string, int>();
        var alphabet = ByteLevelAlphabet();
        for (int b = 0; b < 256; b++) vocab[alphabet[b]] = b;
        vocab["Ġt"] = 256;
        vocab["he"] = 257;
        vocab["Ġthe"] = 258;
        vocab["ab"] = 259;
        vocab["cd"] = 260;
        vocab["ef"] = 261;
        return vocab;
    }

    public static JsonObject ByteLevel(bool mergesAsPairs = false, string? splitRegex = null)
    {
        var vocab = new JsonObject();
        foreach (var (token, id) in ByteLevelVocab()) vocab[token] = id;
        JsonNode merges = mergesAsPairs
            ? new JsonArray(Merges.Select(m => (JsonNode)new JsonArray(m.Split(' ')[0], m.Split(' ')[1])).ToArray())
            : new JsonArray(Merges.Select(m => (JsonNode)m).ToArray());
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false };
        JsonNode preTokenizer = splitRegex is null
            ? byteLevel
            : new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = splitRegex }, ["behavior"] = "Isolated" },
                    byteLevel),
            };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                Added(BosId, "<|begin_of_text|>", special: true),
                Added(EosId, "<|end_of_text|>", special: true),
                Added(UserId, "<user>", special: false)),
            ["pre_tokenizer"] = preTokenizer,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["byte_fallback"] = false, ["vocab"] = vocab, ["merges"] = merges },
        };
    }

    /// <summary>&lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, then &lt;0x00&gt;..&lt;0xFF&gt; (ids 3..258), then "▁t", "he", "▁the".</summary>
    public static JsonObject SentencePiece()
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 3 + b;
        vocab["▁"] = 259;
        vocab["t"] = 260;
        vocab["h"] = 261;
        vocab["e"] = 262;
        vocab["▁t"] = 263;
        vocab["he"] = 264;
        vocab["▁the"] = 265;
        return new JsonObject
        {
            ["added_tokens"] = new JsonArray(Added(0, "<unk>", true), Added(1, "<s>", true), Added(2, "</s>", true)),
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁" },
            ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = new JsonArray(new JsonObject { ["type"] = "ByteFallback" }) },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["byte_fallback"] = true, ["vocab"] = vocab,
                ["merges"] = new JsonArray("▁ t", "h e", "▁t he"),
            },
        };
    }

    public static JsonObject Config(string bos = "<|begin_of_text|>", string eos = "<|end_of_text|>", bool? addBos = null) => new()
    {
        ["bos_token"] = bos,
        // transformers also writes special tokens as AddedToken objects
        ["eos_token"] = new JsonObject { ["__type"] = "AddedToken", ["content"] = eos, ["special"] = true },
        ["chat_template"] = ChatTemplate,
        ["model_max_length"] = JsonNode.Parse("1000000000000000019884624838656"),
        ["add_bos_token"] = addBos,
    };

    public static void Write(string directory, JsonObject tokenizer, JsonObject? config)
    {
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.ToJsonString(), Encoding.UTF8);
        if (config is not null)
            File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(), Encoding.UTF8);
    }

    static JsonObject Added(int id, string content, bool special) =>
        new() { ["id"] = id, ["content"] = content, ["special"] = special, ["normalized"] = false };
}
