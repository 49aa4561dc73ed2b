namespace BitNet.Gpu.Tokenizers;

/// <summary>Token types as llama.cpp writes them in <c>tokenizer.ggml.token_type</c>.</summary>
public enum TokenType
{
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    /// <summary>Special control token (BOS, EOS, chat markers); text only when special parsing is on.</summary>
    Control = 3,
    /// <summary>Added token that always matches as one token, like Hugging Face's non-special added tokens.</summary>
    UserDefined = 4,
    Unused = 5,
    /// <summary>SentencePiece byte-fallback token <c>&lt;0xNN&gt;</c>.</summary>
    Byte = 6,
}
