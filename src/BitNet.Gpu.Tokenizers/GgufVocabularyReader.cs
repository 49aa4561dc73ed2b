using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Tokenizers;

/// <summary>Reads the <c>tokenizer.ggml.*</c> keys llama.cpp writes into a GGUF file as a <see cref="Vocabulary"/>.</summary>
public static class GgufVocabularyReader
{
    const string Prefix = "tokenizer.ggml.";

    public static Vocabulary Read(string path)
    {
        using var file = GgufFile.Open(path);
        return Read(file.Metadata, path);
    }

    /// <param name="source">The file name, for error messages.</param>
    public static Vocabulary Read(GgufMetadata metadata, string source)
    {
        string model = metadata.GetString(Prefix + "model");
        TokenizerModelKind kind = model switch
        {
            "gpt2" => TokenizerModelKind.ByteLevelBpe,
            "llama" => TokenizerModelKind.SentencePiece,
            _ => throw new ModelFormatException(source, $"{Prefix}model = \"{model}\" is not supported; supported: gpt2 (byte-level BPE), llama (SentencePiece BPE)"),
        };

        string[] tokens = metadata.GetStringArray(Prefix + "tokens");
        TokenType[] types = metadata.Contains(Prefix + "token_type")
            ? Array.ConvertAll(metadata.GetInt32Array(Prefix + "token_type"), t => (TokenType)t)
            : Enumerable.Repeat(TokenType.Normal, tokens.Length).ToArray();
        float[]? scores = metadata.Contains(Prefix + "scores") ? metadata.GetFloat32Array(Prefix + "scores") : null;
        string[] merges = metadata.Contains(Prefix + "merges") ? metadata.GetStringArray(Prefix + "merges") : [];
        metadata.TryGetString(Prefix + "pre", out string? pre);
        metadata.TryGetString("tokenizer.chat_template", out string? template);

        int? Id(string key) => metadata.TryGetInteger(Prefix + key, out long v)
            ? v is >= 0 and <= int.MaxValue ? (int)v : throw new ModelFormatException(source, $"{Prefix}{key} = {v} is not a token id")
            : null;
        bool? Flag(string key) => metadata.TryGetBool(Prefix + key, out bool b) ? b : null;

        bool isLlama3 = kind == TokenizerModelKind.ByteLevelBpe && Vocabulary.LooksLikeLlama3(tokens);
        var vocabulary = new Vocabulary
        {
            Source = source,
            Model = kind,
            PreTokenizer = pre,
            Tokens = tokens,
            TokenTypes = types,
            Scores = scores,
            Merges = merges,
            BosId = Id("bos_token_id"),
            EosId = Id("eos_token_id"),
            EotId = Id("eot_token_id") ?? (isLlama3 ? 128009 : null),
            PadId = Id("padding_token_id"),
            // llama.cpp adds BOS for SentencePiece and Llama 3-style vocabularies unless the file says otherwise.
            AddBos = Flag("add_bos_token") ?? true,
            AddEos = Flag("add_eos_token") ?? false,
            AddSpacePrefix = Flag("add_space_prefix") ?? true,
            ChatTemplate = template,
        };
        vocabulary.Validate();
        return vocabulary;
    }
}
