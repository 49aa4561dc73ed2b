using System.Text;
using BitNet.Gpu.Model;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// Text to token ids and back for one vocabulary: Llama 3 / Falcon3 byte-level BPE or SentencePiece-style BPE.
/// </summary>
public sealed class Tokenizer
{
    static readonly string[] Llama3PreTokenizers = ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "falcon_e"];

    readonly ByteLevelBpe? _byteLevel;
    readonly SentencePieceBpe? _sentencePiece;
    readonly byte[][] _pieces;                   // id -> the bytes the token stands for
    readonly SpecialTokenMatcher _alwaysMatched; // user-defined tokens
    readonly SpecialTokenMatcher _withSpecial;   // user-defined + control + unknown tokens

    public Vocabulary Vocabulary { get; }
    public int Count => Vocabulary.Count;
    public int? BosId => Vocabulary.BosId;
    public int? EosId => Vocabulary.EosId;
    public int? EotId => Vocabulary.EotId;

    public Tokenizer(Vocabulary vocabulary)
    {
        vocabulary.Validate();
        Vocabulary = vocabulary;
        if (vocabulary.Model == TokenizerModelKind.ByteLevelBpe)
        {
            CheckPreTokenizer(vocabulary);
            _byteLevel = new ByteLevelBpe(vocabulary, ignoreMerges: true);
        }
        else _sentencePiece = new SentencePieceBpe(vocabulary);

        _pieces = new byte[vocabulary.Count][];
        for (int id = 0; id < vocabulary.Count; id++) _pieces[id] = PieceBytes(vocabulary, id);

        var added = Enumerable.Range(0, vocabulary.Count).Where(id => vocabulary.TokenTypes[id] == TokenType.UserDefined).ToList();
        var special = Enumerable.Range(0, vocabulary.Count)
            .Where(id => vocabulary.TokenTypes[id] is TokenType.Control or TokenType.Unknown).Concat(added).ToList();
        _alwaysMatched = new SpecialTokenMatcher(added.Select(id => (vocabulary.Tokens[id], id)));
        _withSpecial = new SpecialTokenMatcher(special.Select(id => (vocabulary.Tokens[id], id)));
    }

    /// <summary>Reads a Hugging Face tokenizer.json (and optionally tokenizer_config.json).</summary>
    public static Tokenizer FromHuggingFace(string tokenizerJsonPath, string? tokenizerConfigPath = null) =>
        new(HuggingFaceVocabularyReader.Read(tokenizerJsonPath, tokenizerConfigPath));

    /// <summary>Reads the tokenizer.ggml.* keys of a GGUF file.</summary>
    public static Tokenizer FromGguf(string path) => new(GgufVocabularyReader.Read(path));

    // Llama 3 is recognized by its vocabulary when the file names no pre-tokenizer (the official 2B4T GGUF).
    static void CheckPreTokenizer(Vocabulary v)
    {
        if (v.PreTokenizer is { } pre && Llama3PreTokenizers.Contains(pre)) return;
        if (v.PreTokenizer is null or "default" && Vocabulary.LooksLikeLlama3(v.Tokens)) return;
        string found = v.PreTokenizer is null ? "no tokenizer.ggml.pre" : $"tokenizer.ggml.pre = \"{v.PreTokenizer}\"";
        throw new ModelFormatException(v.Source,
            $"byte-level BPE tokenizer with {found} is not supported; supported pre-tokenizers: {string.Join(", ", Llama3PreTokenizers)} (or a Llama 3 vocabulary)");
    }

    static byte[] PieceBytes(Vocabulary v, int id)
    {
        string text = v.Tokens[id];
        return (v.Model, v.TokenTypes[id]) switch
        {
            (TokenizerModelKind.ByteLevelBpe, TokenType.Normal or TokenType.Undefined) => ByteLevelAlphabet.Decode(text),
            (TokenizerModelKind.SentencePiece, TokenType.Byte) when SentencePieceBpe.TryParseByteToken(text, out byte b) => [b],
            (TokenizerModelKind.SentencePiece, TokenType.Normal or TokenType.Undefined or TokenType.UserDefined) =>
                Encoding.UTF8.GetBytes(text.Replace(SentencePieceBpe.SpaceMark, ' ')),
            _ => Encoding.UTF8.GetBytes(text),
        };
    }

    /// <summary>
    /// Token ids of a prompt as llama-server tokenizes one: BOS first when the vocabulary asks for it and the text does not
    /// already start with it, control-token texts (<c>&lt;|eot_id|&gt;</c>) read as those tokens.
    /// <code>int[] ids = tokenizer.EncodePrompt("The state of the Union");</code>
    /// </summary>
    public int[] EncodePrompt(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool hasBos = BosId is int bos && text.StartsWith(Vocabulary.Tokens[bos], StringComparison.Ordinal);
        return Encode(text, addBos: !hasBos, parseSpecial: true);
    }

    /// <summary>
    /// Token ids of <paramref name="text"/>. With <paramref name="addBos"/>, BOS is prepended when the vocabulary's
    /// add_bos_token says so (and EOS appended when add_eos_token does). With <paramref name="parseSpecial"/>, control
    /// tokens written in the text (<c>&lt;|eot_id|&gt;</c>) become single tokens; otherwise they are plain text.
    /// User-defined added tokens always match, as in llama.cpp and Hugging Face. Lone surrogates encode as U+FFFD.
    /// </summary>
    public int[] Encode(string text, bool addBos, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (addBos && Vocabulary.AddBos && BosId is { } bos) ids.Add(bos);

        bool atFragmentStart = true; // SentencePiece's space prefix goes at the start and after each special token
        foreach (var fragment in (parseSpecial ? _withSpecial : _alwaysMatched).Split(text))
        {
            if (!fragment.IsText) { ids.Add(fragment.Id); atFragmentStart = true; continue; }
            int[] cps = CodePoints.From(text.AsSpan(fragment.Start, fragment.Length));
            if (_byteLevel is not null) EncodeByteLevel(cps, ids);
            else _sentencePiece!.Encode(cps, Vocabulary.AddSpacePrefix && atFragmentStart, ids);
            atFragmentStart = false;
        }

        if (addBos && Vocabulary.AddEos && EosId is { } eos) ids.Add(eos);
        return ids.ToArray();
    }

    void EncodeByteLevel(int[] cps, List<int> ids)
    {
        var words = new List<(int Start, int Length)>();
        Llama3PreTokenizer.Split(cps, words);
        var bytes = new List<byte>(32);
        foreach (var (start, length) in words)
        {
            bytes.Clear();
            CodePoints.AppendUtf8(bytes, cps.AsSpan(start, length));
            _byteLevel!.EncodeWord(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes), ids);
        }
    }

    /// <summary>The bytes token <paramref name="id"/> stands for (a control token's bytes are its text).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => _pieces[CheckId(id, nameof(id))];

    /// <summary>The token's string as stored in the vocabulary.</summary>
    public string TokenText(int id) => Vocabulary.Tokens[CheckId(id, nameof(id))];

    public TokenType GetTokenType(int id) => Vocabulary.TokenTypes[CheckId(id, nameof(id))];

    /// <summary>True for EOS and EOT: generation should stop after this token.</summary>
    public bool IsEndOfGeneration(int id) => id == EosId || id == EotId;

    /// <summary>
    /// Text of <paramref name="ids"/>. Control tokens (BOS, <c>&lt;|eot_id|&gt;</c>) are left out unless
    /// <paramref name="renderSpecial"/>. Bytes that are not valid UTF-8 become U+FFFD.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool renderSpecial = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        bool stripSpace = StripsLeadingSpace;
        foreach (int id in ids)
        {
            ReadOnlySpan<byte> piece = VisiblePiece(CheckId(id, nameof(ids)), renderSpecial);
            if (piece.Length == 0) continue;
            if (stripSpace && piece[0] == (byte)' ') piece = piece[1..];
            stripSpace = false;
            foreach (byte b in piece) bytes.Add(b);
        }
        return new UTF8Encoding(false, false).GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>
    /// A decoder for a stream of ids. From the start of a text (the default) SentencePiece's leading space comes off, as
    /// <see cref="Decode"/> does; text that <paramref name="continuesText"/> (tokens generated after a prompt) keeps it,
    /// so "the" + "▁United" streams as "the United".
    /// </summary>
    public StreamingDecoder CreateStreamingDecoder(bool renderSpecial = false, bool continuesText = false) =>
        new(this, renderSpecial, StripsLeadingSpace && !continuesText);

    // SentencePiece puts ▁ before the text; decoding takes that space off again.
    bool StripsLeadingSpace => _sentencePiece is not null && Vocabulary.AddSpacePrefix;

    internal ReadOnlySpan<byte> VisiblePiece(int id, bool renderSpecial)
    {
        CheckId(id, nameof(id));
        return renderSpecial || Vocabulary.TokenTypes[id] is not (TokenType.Control or TokenType.Unused) ? _pieces[id] : [];
    }

    int CheckId(int id, string parameter) =>
        (uint)id < (uint)Count ? id
            : throw new ArgumentOutOfRangeException(parameter, id, $"token id {id} is outside the vocabulary of {Count} tokens");
}
