namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Reads a JSON text one byte at a time and says at each byte whether what has been read can still become one valid
/// JSON object (RFC 8259): the pushdown automaton behind JSON mode. A copy is a snapshot (the container stack is a bit
/// per level), so a candidate token is tried on a copy. Bounded where a model could otherwise run on without end:
/// nesting to <see cref="MaxDepth"/> levels; whitespace, as llama.cpp's JSON grammar has it, to one space, or a newline
/// and up to <see cref="MaxIndent"/> spaces or tabs, between tokens, and none before the object.
/// Strings hold valid UTF-8 (RFC 8259 §8.1): no overlong forms, surrogates or code points past U+10FFFF; a character
/// may be split between tokens.
/// </summary>
internal struct JsonPrefix : IJsonText
{
    public const int MaxDepth = 64;
    public const int MaxIndent = 20;

    /// <summary>What the next byte may be: the automaton's state, which <see cref="JsonSchemaPrefix"/> follows.</summary>
    public enum Expect : byte
    {
        TopObject,      // before the text's object: whitespace or '{'
        Value,          // any value
        FirstValueOrEnd,// after '[': a value or ']'
        FirstKeyOrEnd,  // after '{': a key or '}'
        Key,            // after ',' in an object
        Colon,          // after a key
        CommaOrEnd,     // after a value in a container: ',' or the container's closing bracket
        String, Escape, Unicode,
        Minus, Zero, Integer, Point, Fraction, Exponent, ExponentSign, ExponentDigits,
        Literal,        // inside true, false or null
        Done,           // the object is complete: nothing may follow
    }

    static readonly byte[][] Literals = ["true"u8.ToArray(), "false"u8.ToArray(), "null"u8.ToArray()];

    Expect _expect;
    ulong _objects;       // bit d: the container at depth d is an object (else an array)
    int _depth;
    int _whitespaceRun;   // bytes of whitespace just read
    bool _runStartsWithNewline;
    bool _stringIsKey;
    byte _literal, _literalRead, _hexRead;
    byte _continuations;                  // UTF-8 continuation bytes still owed by the character being read
    byte _nextLow, _nextHigh;             // the range of the next one (narrower right after some lead bytes)

    /// <summary>A snapshot to try bytes on without moving this one.</summary>
    public readonly JsonPrefix Copy() => this;

    /// <summary>What the next byte may be.</summary>
    public readonly Expect State => _expect;

    /// <summary>True inside a string, between its escapes and characters: where plain text (see <see cref="PlainTextRoom"/>) is taken.</summary>
    public readonly bool IsInString => _expect == Expect.String && _continuations == 0;

    /// <summary>Inside a string any valid UTF-8 without a quote, backslash or control byte is taken.</summary>
    public readonly int PlainTextRoom => IsInString ? int.MaxValue : -1;

    /// <summary>No string here is held to a pattern.</summary>
    public readonly (Patterns.PatternAutomaton Automaton, int State)? PlainTextPattern => null;

    /// <summary>True once the object is closed: the text is one complete JSON object.</summary>
    public readonly bool IsComplete => _expect == Expect.Done;

    public readonly bool Takes(ReadOnlySpan<byte> bytes) => IJsonText.PushedOnACopy(this, bytes);

    /// <summary>Reads one byte; false (and the state is then undefined: use a copy) when no valid object can start with what was read.</summary>
    public bool Push(byte b)
    {
        if (IsWhitespace(b) && _expect is not (Expect.TopObject or Expect.String or Expect.Escape or Expect.Unicode or Expect.Literal
                                                or Expect.Done or Expect.Minus or Expect.Point or Expect.Exponent or Expect.ExponentSign))
        {
            if (IsNumberEnd()) _expect = AfterValue();
            return Whitespace(b);
        }
        _whitespaceRun = 0;
        switch (_expect)
        {
            case Expect.TopObject: return b == '{' && Open(isObject: true);
            case Expect.Value: return StartValue(b);
            case Expect.FirstValueOrEnd: return b == ']' ? Close(isObject: false) : StartValue(b);
            case Expect.FirstKeyOrEnd: return b == '}' ? Close(isObject: true) : StartKey(b);
            case Expect.Key: return StartKey(b);
            case Expect.Colon: return Then(b == ':', Expect.Value);
            case Expect.CommaOrEnd: return AfterValueByte(b);
            case Expect.String: return StringByte(b);
            case Expect.Escape:
                if (b == 'u') { _hexRead = 0; _expect = Expect.Unicode; return true; }
                return Then(b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t', Expect.String);
            case Expect.Unicode:
                if (!IsHex(b)) return false;
                if (++_hexRead == 4) _expect = Expect.String;
                return true;
            case Expect.Minus: return Then(IsDigit(b), b == '0' ? Expect.Zero : Expect.Integer);
            case Expect.Zero: return NumberByte(b, digit: false, point: true, exponent: true);
            case Expect.Integer: return NumberByte(b, digit: true, point: true, exponent: true);
            case Expect.Point: return Then(IsDigit(b), Expect.Fraction);
            case Expect.Fraction: return NumberByte(b, digit: true, point: false, exponent: true);
            case Expect.Exponent: return Then(IsDigit(b) || b is (byte)'+' or (byte)'-', IsDigit(b) ? Expect.ExponentDigits : Expect.ExponentSign);
            case Expect.ExponentSign: return Then(IsDigit(b), Expect.ExponentDigits);
            case Expect.ExponentDigits: return NumberByte(b, digit: true, point: false, exponent: false);
            case Expect.Literal:
                var literal = Literals[_literal];
                if (b != literal[_literalRead]) return false;
                if (++_literalRead == literal.Length) _expect = AfterValue();
                return true;
            default: return false; // Done
        }
    }

    /// <summary>A run of whitespace: " " alone, or "\n" then up to <see cref="MaxIndent"/> spaces or tabs.</summary>
    bool Whitespace(byte b)
    {
        _whitespaceRun++;
        if (_whitespaceRun == 1)
        {
            _runStartsWithNewline = b == '\n';
            return b is (byte)' ' or (byte)'\n';
        }
        return _runStartsWithNewline && b is (byte)' ' or (byte)'\t' && _whitespaceRun <= MaxIndent + 1;
    }

    bool StartValue(byte b)
    {
        switch (b)
        {
            case (byte)'{': return Open(isObject: true);
            case (byte)'[': return Open(isObject: false);
            case (byte)'"': _stringIsKey = false; _expect = Expect.String; return true;
            case (byte)'-': _expect = Expect.Minus; return true;
            case (byte)'0': _expect = Expect.Zero; return true;
            case (byte)'t': return StartLiteral(0);
            case (byte)'f': return StartLiteral(1);
            case (byte)'n': return StartLiteral(2);
            default: return Then(IsDigit(b), Expect.Integer);
        }
    }

    bool StartKey(byte b)
    {
        _stringIsKey = true;
        return Then(b == '"', Expect.String);
    }

    bool StartLiteral(byte literal)
    {
        (_literal, _literalRead, _expect) = (literal, 1, Expect.Literal);
        return true;
    }

    bool StringByte(byte b)
    {
        if (_continuations > 0) return Continuation(b);
        if (b >= 0x80) return LeadByte(b);
        if (b == '"') _expect = _stringIsKey ? Expect.Colon : AfterValue();
        else if (b == '\\') _expect = Expect.Escape;
        return b >= 0x20;
    }

    /// <summary>The first byte of a multi-byte character: how many continuation bytes follow, and the first one's range (UTF-8's table 3-7).</summary>
    bool LeadByte(byte b)
    {
        (_continuations, _nextLow, _nextHigh) = b switch
        {
            >= 0xC2 and <= 0xDF => ((byte)1, (byte)0x80, (byte)0xBF),
            0xE0 => ((byte)2, (byte)0xA0, (byte)0xBF), // not overlong
            0xED => ((byte)2, (byte)0x80, (byte)0x9F), // not a surrogate
            >= 0xE1 and <= 0xEF => ((byte)2, (byte)0x80, (byte)0xBF),
            0xF0 => ((byte)3, (byte)0x90, (byte)0xBF), // not overlong
            0xF4 => ((byte)3, (byte)0x80, (byte)0x8F), // not past U+10FFFF
            >= 0xF1 and <= 0xF3 => ((byte)3, (byte)0x80, (byte)0xBF),
            _ => ((byte)0, (byte)0, (byte)0),          // a continuation byte alone, C0, C1, F5–FF
        };
        return _continuations > 0;
    }

    bool Continuation(byte b)
    {
        if (b < _nextLow || b > _nextHigh) return false;
        _continuations--;
        (_nextLow, _nextHigh) = ((byte)0x80, (byte)0xBF);
        return true;
    }

    /// <summary>A byte after digits: another digit, '.', 'e' where the grammar allows them, else the number ends here.</summary>
    bool NumberByte(byte b, bool digit, bool point, bool exponent)
    {
        if (IsDigit(b)) return digit;
        if (b == '.' && point) { _expect = Expect.Point; return true; }
        if (b is (byte)'e' or (byte)'E' && exponent) { _expect = Expect.Exponent; return true; }
        _expect = AfterValue();
        return AfterValueByte(b);
    }

    bool AfterValueByte(byte b)
    {
        if (_depth == 0) return false;
        bool inObject = TopIsObject;
        if (b == ',') { _expect = inObject ? Expect.Key : Expect.Value; return true; }
        if (b == (inObject ? '}' : ']')) return Close(inObject);
        return false;
    }

    bool Open(bool isObject)
    {
        if (_depth == MaxDepth) return false;
        if (isObject) _objects |= 1UL << _depth;
        else _objects &= ~(1UL << _depth);
        _depth++;
        _expect = isObject ? Expect.FirstKeyOrEnd : Expect.FirstValueOrEnd;
        return true;
    }

    bool Close(bool isObject)
    {
        if (_depth == 0 || TopIsObject != isObject) return false;
        _depth--;
        _expect = AfterValue();
        return true;
    }

    bool Then(bool ok, Expect next)
    {
        if (ok) _expect = next;
        return ok;
    }

    readonly Expect AfterValue() => _depth == 0 ? Expect.Done : Expect.CommaOrEnd;
    readonly bool TopIsObject => (_objects >> (_depth - 1) & 1) != 0;
    readonly bool IsNumberEnd() => _expect is Expect.Zero or Expect.Integer or Expect.Fraction or Expect.ExponentDigits;

    internal static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r'; // JSON's; Whitespace() takes fewer
    static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
    static bool IsHex(byte b) => IsDigit(b) || b is >= (byte)'a' and <= (byte)'f' || b is >= (byte)'A' and <= (byte)'F';
}
