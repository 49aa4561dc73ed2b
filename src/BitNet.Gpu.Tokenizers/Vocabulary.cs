using BitNet.Gpu.Model;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// A tokenizer described neutrally, whichever file it came from (Hugging Face <c>tokenizer.json</c> or GGUF metadata).
/// Token strings are as stored: byte-level BPE tokens in GPT-2's byte-to-unicode alphabet, SentencePiece pieces with ▁ for space.
/// </summary>
public sealed class Vocabulary
{
    /// <summary>File the vocabulary was read from, for error messages.</summary>
    public required string Source { get; init; }
    public required TokenizerModelKind Model { get; init; }
    /// <summary>Pre-tokenizer name as llama.cpp spells it (<c>llama-bpe</c>, <c>falcon3</c>); null when the file has none.</summary>
    public string? PreTokenizer { get; init; }
    public required IReadOnlyList<string> Tokens { get; init; }
    public required IReadOnlyList<TokenType> TokenTypes { get; init; }
    /// <summary>Per-token scores (SentencePiece); null when the file has none.</summary>
    public IReadOnlyList<float>? Scores { get; init; }
    /// <summary>Merges "left right" in priority order (byte-level BPE); empty for SentencePiece.</summary>
    public IReadOnlyList<string> Merges { get; init; } = [];
    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public int? EotId { get; init; }
    public int? PadId { get; init; }
    public bool AddBos { get; init; }
    public bool AddEos { get; init; }
    /// <summary>Whether SentencePiece text gets a leading ▁ (llama.cpp's add_space_prefix); ignored for byte-level BPE.</summary>
    public bool AddSpacePrefix { get; init; } = true;
    public string? ChatTemplate { get; init; }

    public int Count => Tokens.Count;

    /// <summary>Checks that the arrays agree and the special ids are in range; throws <see cref="ModelFormatException"/> naming the field.</summary>
    public void Validate()
    {
        if (Tokens.Count == 0)
            throw new ModelFormatException(Source, "tokenizer has no tokens (tokenizer.ggml.tokens is empty)");
        if (TokenTypes.Count != Tokens.Count)
            throw new ModelFormatException(Source, $"tokenizer.ggml.token_type has {TokenTypes.Count} entries but tokenizer.ggml.tokens has {Tokens.Count}");
        if (Scores is not null && Scores.Count != Tokens.Count)
            throw new ModelFormatException(Source, $"tokenizer.ggml.scores has {Scores.Count} entries but tokenizer.ggml.tokens has {Tokens.Count}");
        if (Model == TokenizerModelKind.ByteLevelBpe && Merges.Count == 0)
            throw new ModelFormatException(Source, "byte-level BPE tokenizer has no merges (tokenizer.ggml.merges / model.merges missing or empty)");
        CheckId(BosId, "bos_token_id");
        CheckId(EosId, "eos_token_id");
        CheckId(EotId, "eot_token_id");
        CheckId(PadId, "padding_token_id");
    }

    void CheckId(int? id, string field)
    {
        if (id is { } v && (v < 0 || v >= Tokens.Count))
            throw new ModelFormatException(Source, $"tokenizer.ggml.{field} = {v} is outside the vocabulary of {Tokens.Count} tokens");
    }

    /// <summary>
    /// True for the Llama 3 vocabulary (128256 tokens with <c>&lt;|begin_of_text|&gt;</c> at 128000 and <c>&lt;|eot_id|&gt;</c> at 128009),
    /// which the official BitNet b1.58 2B4T GGUF carries without a <c>tokenizer.ggml.pre</c> key.
    /// </summary>
    public static bool LooksLikeLlama3(IReadOnlyList<string> tokens) =>
        tokens.Count >= 128256 && tokens[128000] == "<|begin_of_text|>" && tokens[128001] == "<|end_of_text|>" && tokens[128009] == "<|eot_id|>";
}
