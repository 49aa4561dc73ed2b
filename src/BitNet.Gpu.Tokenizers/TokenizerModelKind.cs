namespace BitNet.Gpu.Tokenizers;

/// <summary>The tokenization algorithm, as named by <c>tokenizer.ggml.model</c>.</summary>
public enum TokenizerModelKind
{
    /// <summary><c>gpt2</c>: byte-level BPE with a regex pre-tokenizer and a merge list (Llama 3, Falcon3).</summary>
    ByteLevelBpe,
    /// <summary><c>llama</c>: SentencePiece-style BPE over scored pieces with <c>&lt;0xNN&gt;</c> byte fallback.</summary>
    SentencePiece,
}
