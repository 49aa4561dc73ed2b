using System.Text.Json;
using System.Text.RegularExpressions;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// Turns a Hugging Face <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c>) into the <c>tokenizer.*</c> GGUF
/// metadata llama.cpp's converter writes: model (gpt2 for byte-level BPE, llama for SentencePiece-style BPE with
/// byte fallback), pre-tokenizer name, tokens in id order (holes filled with [PAD{id}]), token types, merges,
/// special token ids, add_bos_token and the chat template. It copies metadata only; it does not tokenize.
/// </summary>
public static class HuggingFaceVocabularyExporter
{
    // llama.cpp's token types.
    public const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    /// <summary>The pre-tokenizer regex of Llama 3's tokenizer.json (llama.cpp calls this vocabulary "llama-bpe").</summary>
    public const string Llama3Regex =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    const int MaxTokenId = 1 << 24;
    static readonly Regex ByteToken = new("^<0x[0-9A-Fa-f]{2}>$", RegexOptions.CultureInvariant);

    /// <summary>Reads tokenizer.json and, when present, tokenizer_config.json from <paramref name="directory"/>.</summary>
    /// <param name="vocabSize">the model's vocabulary (embedding rows); the token list is padded to it. Null: the tokenizer's own size.</param>
    /// <param name="fallbackBosId">config.json's bos_token_id, used when tokenizer_config.json names no bos token.</param>
    public static List<KeyValuePair<string, GgufValue>> ExportDirectory(string directory, int? vocabSize = null, int? fallbackBosId = null, int? fallbackEosId = null)
    {
        string config = Path.Combine(directory, "tokenizer_config.json");
        return Export(Path.Combine(directory, "tokenizer.json"), File.Exists(config) ? config : null, vocabSize, fallbackBosId, fallbackEosId);
    }

    public static List<KeyValuePair<string, GgufValue>> Export(string tokenizerJsonPath, string? tokenizerConfigPath,
        int? vocabSize = null, int? fallbackBosId = null, int? fallbackEosId = null)
    {
        using var tokenizer = JsonFields.Load(tokenizerJsonPath);
        using var config = tokenizerConfigPath is null ? null : JsonFields.Load(tokenizerConfigPath);
        string path = tokenizerJsonPath;
        var root = JsonFields.Object(path, tokenizer.RootElement, "tokenizer.json");
        var model = JsonFields.Object(path, JsonFields.Required(path, root, "model"), "model");
        string type = JsonFields.String(path, JsonFields.Required(path, model, "type"), "model.type");
        if (type != "BPE")
            throw new ModelFormatException(path, $"'model.type' is '{type}'; only BPE vocabularies are supported");

        bool byteLevel = HasByteLevel(JsonFields.Optional(root, "pre_tokenizer")) || HasByteLevel(JsonFields.Optional(root, "decoder"));
        bool byteFallback = JsonFields.OptionalBool(path, model, "byte_fallback") ?? false;
        if (!byteLevel && !byteFallback)
            throw new ModelFormatException(path, "BPE vocabulary is neither byte-level (a ByteLevel pre-tokenizer) nor SentencePiece-style (model.byte_fallback)");
        string ggmlModel = byteLevel ? "gpt2" : "llama";

        var added = ReadAddedTokens(path, root);
        var byId = ReadVocab(path, model, added);
        int count = byId.Count == 0 ? 0 : byId.Keys.Max() + 1;
        if (count > 0) TokenIdHoles.Check(path, byId.Count, count - 1);
        if (vocabSize is { } size)
        {
            if (size < count)
                throw new ModelFormatException(path, $"tokenizer has token id {count - 1}, beyond the model's vocabulary of {size}");
            count = size;
        }

        var tokens = new string[count];
        var types = new int[count];
        for (int id = 0; id < count; id++)
        {
            if (!byId.TryGetValue(id, out string? token))
            {
                tokens[id] = $"[PAD{id}]";
                types[id] = UserDefined; // as bitnet.cpp's converter marks the holes
                continue;
            }
            tokens[id] = token;
            types[id] = added.TryGetValue(id, out var a) ? (a.Special ? Control : UserDefined)
                : ggmlModel == "llama" && ByteToken.IsMatch(token) ? Byte
                : Normal;
        }

        var merges = ReadMerges(path, model);
        var entries = new List<KeyValuePair<string, GgufValue>>
        {
            new("tokenizer.ggml.model", GgufValue.Of(ggmlModel)),
            new("tokenizer.ggml.pre", GgufValue.Of(ggmlModel == "gpt2" && IsLlama3PreTokenizer(root) ? "llama-bpe" : "default")),
            new("tokenizer.ggml.tokens", GgufValue.Of(tokens)),
            new("tokenizer.ggml.token_type", GgufValue.Of(types)),
        };
        if (ggmlModel == "llama")
            entries.Add(new("tokenizer.ggml.scores", GgufValue.Of(MergeRankScores(tokens, types, merges))));
        if (merges.Length > 0)
            entries.Add(new("tokenizer.ggml.merges", GgufValue.Of(merges)));

        var tokenConfig = config?.RootElement;
        AddSpecialIds(entries, tokenizerConfigPath, tokenConfig, tokens, count, fallbackBosId, fallbackEosId);
        if (tokenConfig is { } c)
        {
            if (JsonFields.OptionalBool(tokenizerConfigPath!, c, "add_bos_token") is { } addBos)
                entries.Add(new("tokenizer.ggml.add_bos_token", GgufValue.Of(addBos)));
            if (JsonFields.OptionalBool(tokenizerConfigPath!, c, "add_eos_token") is { } addEos)
                entries.Add(new("tokenizer.ggml.add_eos_token", GgufValue.Of(addEos)));
            AddChatTemplates(entries, tokenizerConfigPath!, c);
        }
        return entries;
    }

    sealed record AddedToken(string Content, bool Special);

    static Dictionary<int, AddedToken> ReadAddedTokens(string path, JsonElement root)
    {
        var added = new Dictionary<int, AddedToken>();
        if (JsonFields.Optional(root, "added_tokens") is not { } list)
            return added;
        if (list.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(path, "'added_tokens' should be an array");
        int index = 0;
        foreach (var item in list.EnumerateArray())
        {
            string field = $"added_tokens[{index++}]";
            JsonFields.Object(path, item, field);
            int id = TokenId(path, JsonFields.Required(path, item, "id"), $"{field}.id");
            string content = JsonFields.String(path, JsonFields.Required(path, item, "content"), $"{field}.content");
            added[id] = new AddedToken(content, JsonFields.OptionalBool(path, item, "special") ?? false);
        }
        return added;
    }

    /// <summary>id → token text for model.vocab and the added tokens (an added token wins on a shared id, as in transformers).</summary>
    static Dictionary<int, string> ReadVocab(string path, JsonElement model, Dictionary<int, AddedToken> added)
    {
        var vocab = JsonFields.Required(path, model, "vocab");
        if (vocab.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, $"'model.vocab' is a JSON {vocab.ValueKind}, expected an object of token → id");
        var byId = new Dictionary<int, string>();
        foreach (var entry in vocab.EnumerateObject())
        {
            int id = TokenId(path, entry.Value, $"model.vocab['{entry.Name}']");
            if (!byId.TryAdd(id, entry.Name))
                throw new ModelFormatException(path, $"'model.vocab' gives id {id} to both '{byId[id]}' and '{entry.Name}'");
        }
        foreach (var (id, token) in added)
            byId[id] = token.Content;
        return byId;
    }

    static int TokenId(string path, JsonElement value, string field)
    {
        int id = JsonFields.Int(path, value, field);
        if (id < 0 || id >= MaxTokenId)
            throw new ModelFormatException(path, $"'{field}' = {id} is out of range (0 to {MaxTokenId - 1})");
        return id;
    }

    /// <summary>model.merges as "left right" strings; tokenizer.json holds them as strings or as [left, right] pairs.</summary>
    static string[] ReadMerges(string path, JsonElement model)
    {
        if (JsonFields.Optional(model, "merges") is not { } merges)
            return [];
        if (merges.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(path, "'model.merges' should be an array");
        var result = new string[merges.GetArrayLength()];
        int i = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            string field = $"model.merges[{i}]";
            result[i++] = merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!,
                JsonValueKind.Array when merge.GetArrayLength() == 2 =>
                    JsonFields.String(path, merge[0], field) + " " + JsonFields.String(path, merge[1], field),
                _ => throw new ModelFormatException(path, $"'{field}' should be \"left right\" or [left, right]"),
            };
        }
        return result;
    }

    static bool HasByteLevel(JsonElement? element)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e) return false;
        if (e.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "ByteLevel")
            return true;
        foreach (string list in new[] { "pretokenizers", "decoders" })
            if (e.TryGetProperty(list, out var items) && items.ValueKind == JsonValueKind.Array)
                foreach (var item in items.EnumerateArray())
                    if (HasByteLevel(item)) return true;
        return false;
    }

    /// <summary>True when a Split pre-tokenizer uses Llama 3's regex.</summary>
    static bool IsLlama3PreTokenizer(JsonElement root)
    {
        static bool Visit(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object) return false;
            if (e.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
                && pattern.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String
                && regex.GetString() == Llama3Regex)
                return true;
            return e.TryGetProperty("pretokenizers", out var items) && items.ValueKind == JsonValueKind.Array
                && items.EnumerateArray().Any(Visit);
        }
        return JsonFields.Optional(root, "pre_tokenizer") is { } pre && Visit(pre);
    }

    /// <summary>
    /// Scores for a SentencePiece-style vocabulary: a token made by merge number r scores -r (earlier merges win, as
    /// SentencePiece BPE scores do); bytes, control tokens and single characters score 0.
    /// </summary>
    static float[] MergeRankScores(string[] tokens, int[] types, string[] merges)
    {
        var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < merges.Length; r++)
        {
            int space = merges[r].IndexOf(' ');
            if (space > 0) rankOf.TryAdd(string.Concat(merges[r].AsSpan(0, space), merges[r].AsSpan(space + 1)), r);
        }
        var scores = new float[tokens.Length];
        for (int id = 0; id < tokens.Length; id++)
            scores[id] = types[id] == Normal && rankOf.TryGetValue(tokens[id], out int rank) ? -(rank + 1) : 0f;
        return scores;
    }

    static void AddSpecialIds(List<KeyValuePair<string, GgufValue>> entries, string? configPath, JsonElement? config,
        string[] tokens, int count, int? fallbackBosId, int? fallbackEosId)
    {
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = tokens.Length - 1; id >= 0; id--) idOf[tokens[id]] = id; // the lowest id wins for a repeated text

        int? Find(string field)
        {
            if (config is not { } c || JsonFields.Optional(c, field) is not { } value) return null;
            string content = value.ValueKind == JsonValueKind.Object
                ? JsonFields.String(configPath!, JsonFields.Required(configPath!, value, "content"), $"{field}.content")
                : JsonFields.String(configPath!, value, field);
            return idOf.TryGetValue(content, out int id) ? id : null;
        }

        void Add(string key, int? id)
        {
            if (id is { } value && value >= 0 && value < count)
                entries.Add(new($"tokenizer.ggml.{key}", GgufValue.Of((uint)value)));
        }

        Add("bos_token_id", Find("bos_token") ?? fallbackBosId);
        Add("eos_token_id", Find("eos_token") ?? fallbackEosId);
        Add("unknown_token_id", Find("unk_token"));
        Add("seperator_token_id", Find("sep_token")); // llama.cpp's spelling
        Add("padding_token_id", Find("pad_token"));
    }

    /// <summary>chat_template is one Jinja string, or a list of {name, template} (the "default" one goes first).</summary>
    static void AddChatTemplates(List<KeyValuePair<string, GgufValue>> entries, string configPath, JsonElement config)
    {
        if (JsonFields.Optional(config, "chat_template") is not { } template) return;
        if (template.ValueKind == JsonValueKind.String)
        {
            entries.Add(new("tokenizer.chat_template", GgufValue.Of(template.GetString()!)));
            return;
        }
        if (template.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(configPath, "'chat_template' should be a string or a list of {name, template}");
        var named = new List<string>();
        foreach (var item in template.EnumerateArray())
        {
            string name = JsonFields.String(configPath, JsonFields.Required(configPath, item, "name"), "chat_template[].name");
            string text = JsonFields.String(configPath, JsonFields.Required(configPath, item, "template"), "chat_template[].template");
            if (name == "default")
                entries.Add(new("tokenizer.chat_template", GgufValue.Of(text)));
            else
            {
                entries.Add(new($"tokenizer.chat_template.{name}", GgufValue.Of(text)));
                named.Add(name);
            }
        }
        if (named.Count > 0)
            entries.Add(new("tokenizer.chat_templates", GgufValue.Of(named.ToArray())));
    }
}
