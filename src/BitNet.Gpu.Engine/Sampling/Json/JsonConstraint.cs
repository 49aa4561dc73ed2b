using System.Runtime.CompilerServices;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// JSON mode: before each draw, every token that would make the text so far no longer the start of a valid JSON object
/// (<see cref="ForAnyObject"/>: see <see cref="JsonPrefix"/>), or of one that satisfies a schema (<see cref="ForSchema"/>:
/// see <see cref="JsonSchemaChoices"/> and <see cref="JsonSchemaPrefix"/>), gets a logit of −∞, and once the object is closed only an end-of-generation token is
/// left. Control and unused tokens are never text. Most tokens are decided by tables made for the step's state: refused
/// by their first byte (or first two, outside strings), or taken at once inside a string when they hold no quote,
/// backslash or control byte (and fit a schema's maxLength, or its pattern's state takes them: see
/// <see cref="PlainTextVerdicts"/>); the rest are tried byte by byte on a copy of the state.
/// Over Llama 3's 128k vocabulary a step takes 0.6 ms inside strings and 1–1.5 ms elsewhere, with a schema 0.2–1.1 ms
/// (one core of the Zen 5 development VM, 2026-12-06/07). One per request (it holds the text's state); the token table
/// is shared per tokenizer.
/// </summary>
internal abstract class JsonConstraint
{
    /// <summary>Any one JSON object.</summary>
    public static JsonConstraint ForAnyObject(Tokenizer tokenizer) => new JsonConstraint<JsonPrefix>(tokenizer, new JsonPrefix());

    /// <summary>One JSON object that satisfies the schema.</summary>
    public static JsonConstraint ForSchema(Tokenizer tokenizer, CompiledJsonSchema schema) =>
        new JsonConstraint<JsonSchemaChoices>(tokenizer, new JsonSchemaChoices(schema.Root));

    /// <summary>Text held to a GBNF grammar: the end of generation comes only where its root can end.</summary>
    public static JsonConstraint ForGrammar(Tokenizer tokenizer, CompiledGrammar grammar) =>
        new JsonConstraint<GrammarText>(tokenizer, new GrammarText(new GrammarMatcher(grammar)));

    /// <summary>True once the text is one complete JSON object (for a grammar: once nothing can follow).</summary>
    public abstract bool IsComplete { get; }

    /// <summary>Sets the logit of every token the text cannot take next to −∞ (logits already −∞ are left alone).</summary>
    public abstract void Mask(Span<float> logits);

    /// <summary>Moves the text past the drawn token (one that <see cref="Mask"/> left).</summary>
    public abstract void Accept(int token);

    /// <summary>What the mask needs of each token, in arrays the step's loop reads in order.</summary>
    protected internal sealed class TokenTable
    {
        public readonly byte[]?[] Bytes;          // null for tokens that are not text
        public readonly bool[] Ends;              // end-of-generation tokens
        public readonly short[] FirstByte;        // −1 for tokens that are not text: most tokens are refused on it alone
        public readonly short[] SecondByte;       // −1 for tokens shorter than two bytes
        public readonly bool[] PlainStringText;   // text a JSON string holds as it is: no quote, backslash or control byte, UTF-8 from a character's start
        public readonly int[] Characters;         // bytes that start a character (not 10xxxxxx), as string lengths count them

        public TokenTable(Tokenizer tokenizer)
        {
            int count = tokenizer.Count;
            (Bytes, Ends, FirstByte, SecondByte, PlainStringText, Characters) = (new byte[]?[count], new bool[count], new short[count], new short[count], new bool[count], new int[count]);
            for (int id = 0; id < count; id++)
            {
                var bytes = IsText(tokenizer, id) ? tokenizer.TokenBytes(id).ToArray() : null;
                Bytes[id] = bytes;
                Ends[id] = tokenizer.IsEndOfGeneration(id);
                FirstByte[id] = (short)(bytes is null ? -1 : bytes[0]);
                SecondByte[id] = (short)(bytes is { Length: > 1 } ? bytes[1] : -1);
                PlainStringText[id] = bytes is not null && IsPlainStringText(bytes);
                Characters[id] = bytes is null ? 0 : bytes.Count(b => (b & 0xC0) != 0x80);
            }
        }

        /// <summary>Whether a string takes the bytes at a character boundary: read on a string's own automaton.</summary>
        static bool IsPlainStringText(ReadOnlySpan<byte> bytes)
        {
            var text = new JsonPrefix();
            foreach (byte b in "{\"\":\""u8) text.Push(b);
            foreach (byte b in bytes)
                if (b is (byte)'"' or (byte)'\\' || !text.Push(b)) return false;
            return true;
        }

        static bool IsText(Tokenizer tokenizer, int id) =>
            !tokenizer.IsEndOfGeneration(id) && tokenizer.TokenBytes(id).Length > 0 &&
            tokenizer.GetTokenType(id) is TokenType.Normal or TokenType.Undefined or TokenType.Byte or TokenType.UserDefined;
    }

    static readonly ConditionalWeakTable<Tokenizer, TokenTable> Tables = [];

    protected static TokenTable TableOf(Tokenizer tokenizer) => Tables.GetValue(tokenizer, t => new TokenTable(t));
}

/// <summary>The mask over one kind of JSON text state (a value type: a copy is a snapshot).</summary>
internal sealed class JsonConstraint<TText> : JsonConstraint where TText : struct, IJsonText
{
    readonly byte[]?[] _tokenBytes;
    readonly bool[] _ends;
    readonly short[] _firstByte, _secondByte;
    readonly bool[] _plainStringText;
    readonly int[] _characters;
    readonly bool[] _pairTaken = new bool[256 * 256]; // [first · 256 + second], filled per step for the first bytes taken
    readonly PlainTextVerdicts _patternVerdicts;
    TText _text;

    public JsonConstraint(Tokenizer tokenizer, TText start)
    {
        _text = start;
        var table = TableOf(tokenizer);
        (_tokenBytes, _ends, _firstByte, _secondByte, _plainStringText, _characters) = (table.Bytes, table.Ends, table.FirstByte, table.SecondByte, table.PlainStringText, table.Characters);
        _patternVerdicts = new PlainTextVerdicts(_tokenBytes, _plainStringText);
    }

    public override bool IsComplete => _text.IsComplete;

    public override void Mask(Span<float> logits)
    {
        if (logits.Length != _tokenBytes.Length)
            throw new ArgumentException($"expected {_tokenBytes.Length} logits (the vocabulary size), got {logits.Length}", nameof(logits));
        Span<bool> firstByteTaken = stackalloc bool[256];
        Span<byte> one = stackalloc byte[1];
        for (int b = 0; b < 256; b++)
        {
            one[0] = (byte)b;
            firstByteTaken[b] = _text.Takes(one);
        }
        int room = _text.PlainTextRoom;
        bool[]? patternVerdicts = room < 0 && _text.PlainTextPattern is { } pattern ? _patternVerdicts.For(pattern.Automaton, pattern.State) : null;
        if (room < 0 && patternVerdicts is null) FillPairs(firstByteTaken);
        for (int token = 0; token < logits.Length; token++)
        {
            if (logits[token] == float.NegativeInfinity) continue;
            if (!Allowed(token, firstByteTaken, room, patternVerdicts)) logits[token] = float.NegativeInfinity;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    bool Allowed(int token, ReadOnlySpan<bool> firstByteTaken, int room, bool[]? patternVerdicts)
    {
        if (_ends[token]) return _text.MayEnd;
        int first = _firstByte[token], second = _secondByte[token];
        if (first < 0 || !firstByteTaken[first]) return false;
        if (second < 0) return true;
        if (room >= 0) return _plainStringText[token] ? _characters[token] <= room : Accepts(_tokenBytes[token]!);
        if (patternVerdicts is not null) return _plainStringText[token] ? patternVerdicts[token] : Accepts(_tokenBytes[token]!);
        return _pairTaken[first << 8 | second] && (_tokenBytes[token]!.Length == 2 || Accepts(_tokenBytes[token]!));
    }

    /// <summary>Which two-byte starts the state takes, for the first bytes it takes.</summary>
    void FillPairs(ReadOnlySpan<bool> firstByteTaken)
    {
        Span<byte> second = stackalloc byte[1];
        for (int first = 0; first < 256; first++)
        {
            if (!firstByteTaken[first]) continue;
            var afterFirst = _text;
            afterFirst.Push((byte)first);
            for (int b = 0; b < 256; b++)
            {
                second[0] = (byte)b;
                _pairTaken[first << 8 | b] = afterFirst.Takes(second);
            }
        }
    }

    bool Accepts(byte[] bytes) => _text.Takes(bytes);

    public override void Accept(int token)
    {
        if (_ends[token]) return;
        var bytes = _tokenBytes[token] ?? throw new InvalidOperationException($"token {token} is not text and cannot be part of JSON");
        foreach (byte b in bytes)
            if (!_text.Push(b)) throw new InvalidOperationException($"token {token} does not continue the JSON text");
    }
}
