using System.Text.Json;
using BitNet.Gpu.Model;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> (BPE model only) and optionally its <c>tokenizer_config.json</c>
/// (bos/eos tokens, add_bos_token/add_eos_token, chat_template) into a <see cref="Vocabulary"/>.
/// </summary>
public static class HuggingFaceVocabularyReader
{
    /// <summary>Llama 3's pre-tokenizer regex exactly as its tokenizer.json spells it.</summary>
    internal const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static Vocabulary Read(string tokenizerJsonPath, string? tokenizerConfigPath = null)
    {
        using var json = OpenFile(tokenizerJsonPath);
        using var config = tokenizerConfigPath is null ? null : OpenFile(tokenizerConfigPath);
        return Read(json, tokenizerJsonPath, config, tokenizerConfigPath);
    }

    /// <summary>Reads from streams; the names are used in error messages.</summary>
    public static Vocabulary Read(Stream tokenizerJson, string tokenizerJsonName, Stream? tokenizerConfig = null, string? tokenizerConfigName = null)
    {
        using var doc = Parse(tokenizerJson, tokenizerJsonName);
        using var configDoc = tokenizerConfig is null ? null : Parse(tokenizerConfig, tokenizerConfigName ?? "tokenizer_config.json");
        var file = new JsonFields(tokenizerJsonName);
        JsonElement root = file.Object(doc.RootElement, "(root)");
        JsonElement model = file.Object(file.Required(root, "model", "model"), "model");

        string type = file.String(file.Required(model, "type", "model.type"), "model.type");
        if (type != "BPE")
            throw new ModelFormatException(tokenizerJsonName, $"model.type is \"{type}\"; only \"BPE\" tokenizers are supported");

        TokenizerModelKind kind = DetectKind(root, model, tokenizerJsonName);
        var (tokens, types) = ReadTokens(file, root, model, kind);
        var merges = ReadMerges(file, model);

        string? pre = kind == TokenizerModelKind.ByteLevelBpe && root.TryGetProperty("pre_tokenizer", out var p)
            && ContainsString(p, Llama3Pattern) ? "llama-bpe" : null;
        bool spacePrefix = kind == TokenizerModelKind.SentencePiece && root.TryGetProperty("normalizer", out var norm)
            && norm.GetRawText().Contains("Prepend", StringComparison.Ordinal);

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = tokens.Length - 1; i >= 0; i--) index[tokens[i]] = i;

        var settings = configDoc is null ? default : ReadConfig(new JsonFields(tokenizerConfigName ?? "tokenizer_config.json"), configDoc.RootElement, index);
        var vocabulary = new Vocabulary
        {
            Source = tokenizerJsonName,
            Model = kind,
            PreTokenizer = pre,
            Tokens = tokens,
            TokenTypes = types,
            Merges = merges,
            BosId = settings.Bos ?? WellKnown(index, "<|begin_of_text|>", "<s>"),
            EosId = settings.Eos ?? WellKnown(index, "<|end_of_text|>", "</s>"),
            EotId = WellKnown(index, "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>"),
            AddBos = settings.AddBos ?? true,
            AddEos = settings.AddEos ?? false,
            AddSpacePrefix = kind == TokenizerModelKind.SentencePiece && spacePrefix,
            ChatTemplate = settings.Template,
        };
        vocabulary.Validate();
        return vocabulary;
    }

    static FileStream OpenFile(string path)
    {
        try { return File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot open tokenizer file: {e.Message}", null, e);
        }
    }

    // Checked as UTF-8 first: the JSON reader checks only the structure, and a string with invalid bytes would throw
    // when read, wherever that is.
    static JsonDocument Parse(Stream stream, string name)
    {
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (bytes.Span.StartsWith("\uFEFF"u8)) bytes = bytes[3..]; // a UTF-8 byte-order mark, as Windows editors write
        int invalid = Utf8Bytes.FirstInvalid(bytes.Span);
        if (invalid >= 0) throw new ModelFormatException(name, $"is not valid UTF-8 (at byte {invalid})");
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e)
        {
            throw new ModelFormatException(name, $"is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", null, e);
        }
        try { JsonStrings.CheckReadable(bytes.Span, document.RootElement, name); }
        catch
        {
            document.Dispose();
            throw;
        }
        return document;
    }

    static bool ContainsString(JsonElement e, string value) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() == value,
        JsonValueKind.Object => e.EnumerateObject().Any(p => ContainsString(p.Value, value)),
        JsonValueKind.Array => e.EnumerateArray().Any(x => ContainsString(x, value)),
        _ => false,
    };

    static int? WellKnown(Dictionary<string, int> index, params string[] names)
    {
        foreach (var name in names)
            if (index.TryGetValue(name, out int id)) return id;
        return null;
    }

    static TokenizerModelKind DetectKind(JsonElement root, JsonElement model, string name)
    {
        string Raw(string property) => root.TryGetProperty(property, out var e) ? e.GetRawText() : "";
        if (Raw("pre_tokenizer").Contains("\"ByteLevel\"") || Raw("decoder").Contains("\"ByteLevel\""))
            return TokenizerModelKind.ByteLevelBpe;
        bool byteFallback = model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;
        if (byteFallback || Raw("decoder").Contains("\u2581") || Raw("decoder").Contains("\\u2581"))
            return TokenizerModelKind.SentencePiece;
        throw new ModelFormatException(name, "BPE tokenizer is neither byte-level (no ByteLevel pre_tokenizer/decoder) nor SentencePiece-style (no byte_fallback or ▁ decoder)");
    }

    static (string[] Tokens, TokenType[] Types) ReadTokens(JsonFields file, JsonElement root, JsonElement model, TokenizerModelKind kind)
    {
        JsonElement vocab = file.Object(file.Required(model, "vocab", "model.vocab"), "model.vocab");
        var byId = new Dictionary<int, (string Text, TokenType Type)>();
        string? unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        foreach (var entry in vocab.EnumerateObject())
        {
            int id = file.Id(entry.Value, $"model.vocab[\"{entry.Name}\"]");
            TokenType type = kind == TokenizerModelKind.SentencePiece && SentencePieceBpe.TryParseByteToken(entry.Name, out _) ? TokenType.Byte
                : entry.Name == unk ? TokenType.Unknown : TokenType.Normal;
            byId[id] = (entry.Name, type);
        }
        if (root.TryGetProperty("added_tokens", out var added))
        {
            int i = 0;
            foreach (var token in file.Array(added, "added_tokens").EnumerateArray())
            {
                string where = $"added_tokens[{i++}]";
                int id = file.Id(file.Required(token, "id", where + ".id"), where + ".id");
                string content = file.String(file.Required(token, "content", where + ".content"), where + ".content");
                bool special = token.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
                TokenType type = byId.TryGetValue(id, out var existing) && existing.Type is TokenType.Byte or TokenType.Unknown ? existing.Type
                    : special ? TokenType.Control : TokenType.UserDefined;
                byId[id] = (content, type);
            }
        }
        int count = byId.Count == 0 ? 0 : byId.Keys.Max() + 1;
        if (count > 16_000_000) throw new ModelFormatException(file.Name, $"token id {count - 1} is implausibly large");
        if (count > 0) BitNet.Gpu.Model.Convert.TokenIdHoles.Check(file.Name, byId.Count, count - 1);
        var tokens = new string[count];
        var types = new TokenType[count];
        for (int id = 0; id < count; id++)
        {
            // Ids missing from the file are padding, as llama.cpp's converter writes them.
            (tokens[id], types[id]) = byId.TryGetValue(id, out var t) ? t : ($"[PAD{id}]", TokenType.Unused);
        }
        return (tokens, types);
    }

    static string[] ReadMerges(JsonFields file, JsonElement model)
    {
        if (!model.TryGetProperty("merges", out var merges)) return [];
        var result = new List<string>();
        int i = 0;
        foreach (var merge in file.Array(merges, "model.merges").EnumerateArray())
        {
            string where = $"model.merges[{i++}]";
            if (merge.ValueKind == JsonValueKind.String) result.Add(merge.GetString()!);
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
                result.Add(file.String(merge[0], where + "[0]") + " " + file.String(merge[1], where + "[1]"));
            else throw new ModelFormatException(file.Name, $"{where} is {merge.ValueKind}; expected \"left right\" or [\"left\", \"right\"]");
        }
        return result.ToArray();
    }

    readonly record struct ConfigSettings(int? Bos, int? Eos, bool? AddBos, bool? AddEos, string? Template);

    static ConfigSettings ReadConfig(JsonFields file, JsonElement root, Dictionary<string, int> index)
    {
        file.Object(root, "(root)");
        int? TokenId(string field)
        {
            if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
            string text = e.ValueKind == JsonValueKind.Object ? file.String(file.Required(e, "content", field + ".content"), field + ".content")
                : file.String(e, field);
            return index.TryGetValue(text, out int id) ? id
                : throw new ModelFormatException(file.Name, $"{field} \"{text}\" is not a token of the vocabulary");
        }
        bool? Flag(string field) => root.TryGetProperty(field, out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? e.GetBoolean() : null;
        return new ConfigSettings(TokenId("bos_token"), TokenId("eos_token"), Flag("add_bos_token"), Flag("add_eos_token"), ChatTemplate(file, root));
    }

    // chat_template is a string, or a list of {name, template} of which "default" is the chat one.
    static string? ChatTemplate(JsonFields file, JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var t) || t.ValueKind == JsonValueKind.Null) return null;
        if (t.ValueKind == JsonValueKind.String) return t.GetString();
        foreach (var named in file.Array(t, "chat_template").EnumerateArray())
            if (named.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() == "default")
                return file.String(file.Required(named, "template", "chat_template[default].template"), "chat_template[default].template");
        return null;
    }

    /// <summary>Typed access to JSON fields that names the file and field when the structure is wrong.</summary>
    sealed class JsonFields(string name)
    {
        public string Name => name;

        public JsonElement Required(JsonElement parent, string property, string path) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) ? value
                : throw new ModelFormatException(name, $"field {path} is missing");

        public JsonElement Object(JsonElement e, string path) => Expect(e, JsonValueKind.Object, path);
        public JsonElement Array(JsonElement e, string path) => Expect(e, JsonValueKind.Array, path);
        public string String(JsonElement e, string path) => Expect(e, JsonValueKind.String, path).GetString()!;

        public int Id(JsonElement e, string path) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int id) && id >= 0 ? id
                : throw new ModelFormatException(name, $"field {path} is {Describe(e)}; expected a non-negative token id");

        JsonElement Expect(JsonElement e, JsonValueKind kind, string path) =>
            e.ValueKind == kind ? e : throw new ModelFormatException(name, $"field {path} is {Describe(e)}; expected {kind.ToString().ToLowerInvariant()}");

        static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Undefined => "missing",
            JsonValueKind.String => $"the string \"{Truncate(e.GetString()!)}\"",
            _ => $"{e.ValueKind.ToString().ToLowerInvariant()} {Truncate(e.GetRawText())}",
        };

        static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
    }
}
