using BitNet.Gpu.Engine.Sampling.Patterns;
using Expect = BitNet.Gpu.Engine.Sampling.JsonPrefix.Expect;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>String values: lengths, patterns and the characters of unique items, read through escapes and UTF-8.</summary>
internal partial struct JsonSchemaPrefix
{
    /// <summary>A byte of a string value: counted against its length bounds, or matched against its enum values.</summary>
    bool StringByte(byte b, Expect before, bool closes)
    {
        if (_matching == Matching.Literal) return MatchLiteral(b) && (!closes || EndScalar());
        if (_value.StringRules.Pattern is { } pattern) return closes ? pattern.IsAccepting(_patternState) : PatternByte(pattern, b, before);
        if (_uniqueItem) return UniqueStringByte(b, before, closes);
        if (closes) return _chars >= _value.StringRules.MinLength;
        bool startsCharacter = before == Expect.String && (b & 0xC0) != 0x80; // not a UTF-8 continuation or inside an escape
        return !startsCharacter || ++_chars <= _value.StringRules.MaxLength;
    }

    /// <summary>A byte of a unique item's string: its characters folded into the item's hash, which must be new at the closing quote.</summary>
    bool UniqueStringByte(byte b, Expect before, bool closes)
    {
        if (closes) return _chars >= _value.StringRules.MinLength && AddUniqueItem(_itemHash);
        int codePoint = ReadCharacterByte(b, before);
        if (codePoint < 0) return true;
        _itemHash = UniqueValues.Fold(_itemHash, codePoint);
        return ++_chars <= _value.StringRules.MaxLength;
    }

    /// <summary>
    /// A byte of a string's characters (JsonPrefix has taken it), written as it is, as UTF-8 or as an escape: the code
    /// point it completes, or −1 for a byte inside a character or an escape (the bits read kept in _partial).
    /// </summary>
    int ReadCharacterByte(byte b, Expect before)
    {
        switch (before)
        {
            case Expect.Escape:
                if (b == 'u') { (_partial, _partialLeft) = (0, 4); return -1; }
                return b switch { (byte)'b' => '\b', (byte)'f' => '\f', (byte)'n' => '\n', (byte)'r' => '\r', (byte)'t' => '\t', _ => b };
            case Expect.Unicode:
                _partial = _partial << 4 | HexValue(b);
                return --_partialLeft == 0 ? _partial : -1;
        }
        if (b == '\\') return -1;
        if (b < 0x80) return b;
        if ((b & 0xC0) == 0x80)
        {
            _partial = _partial << 6 | (b & 0x3F);
            return --_partialLeft == 0 ? _partial : -1;
        }
        (_partial, _partialLeft) = PatternAutomaton.ReadLead(b); // a lead byte: 110xxxxx, 1110xxxx or 11110xxx
        return -1;
    }

    /// <summary>
    /// A byte of a string held to a pattern: each character takes the automaton on. A byte that starts or continues a
    /// character is taken while some character it can still become takes the automaton on: the code points the bytes
    /// so far leave open form one range.
    /// </summary>
    bool PatternByte(PatternAutomaton pattern, byte b, Expect before)
    {
        int codePoint = ReadCharacterByte(b, before);
        if (codePoint >= 0) return TakeCharacter(pattern, codePoint);
        if (before == Expect.Escape) return true; // the 'u' of \uXXXX: the backslash was taken knowing some \uXXXX takes it
        if (before == Expect.String && b == '\\') return pattern.CanStep(_patternState, 0, 0xFFFF); // any character of the BMP may follow as \uXXXX
        int bitsEach = before == Expect.Unicode ? 4 : 6;
        // A lead byte's characters start at the shortest form of their length; JsonPrefix took the continuations, so the bits read already rule out an overlong form.
        int floor = before == Expect.String && b >= 0xC0 ? PatternAutomaton.FloorOf(_partialLeft) : 0;
        return pattern.CanStepPartial(_patternState, _partial, bitsEach * _partialLeft, floor);
    }

    bool TakeCharacter(PatternAutomaton pattern, int codePoint)
    {
        int next = pattern.Step(_patternState, codePoint);
        if (next < 0) return false;
        _patternState = next;
        return true;
    }

    static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
