using System.Globalization;

namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// Reads a JSON Schema <c>pattern</c>: an ECMAScript regular expression, over code points. What a finite automaton can
/// hold is read: characters and escapes (\d \w \s and their complements, \t \n \r \f \v \0 \cX \xHH \uHHHH \u{H…}),
/// '.', classes, groups (capturing, named, non-capturing), alternation, the quantifiers * + ? {n} {n,} {n,m} (lazy or
/// not: the same strings match), the anchors '^' and '$' anywhere, and lookahead (?=…) and (?!…) (as Pydantic writes a
/// Decimal's pattern), not nested. A pattern matches anywhere in a string (JSON Schema's reading), so the tree is the
/// pattern with any text before and after it, its anchors tests of where it stands. Backreferences, lookbehind, word
/// boundaries and Unicode property classes are refused with their place.
/// </summary>
internal sealed class RegexParser
{
    /// <summary>The largest count a quantifier may give; the automaton's own limits apply on top.</summary>
    public const int MaxRepeat = 1000;

    /// <summary>Groups within groups, at most: the parser and the automaton's builder recurse into them.</summary>
    public const int MaxGroupDepth = 100;

    readonly string _pattern;
    int _at;
    int _groupDepth;
    bool _inLookahead;

    RegexParser(string pattern) => _pattern = pattern;

    /// <exception cref="ArgumentException">Not a valid regular expression: the message says what and where.</exception>
    /// <exception cref="NotSupportedException">A construct the automaton cannot hold: the message names it and where.</exception>
    public static RegexNode Parse(string pattern)
    {
        var parser = new RegexParser(pattern);
        var node = parser.TopLevel();
        if (!parser.AtEnd) throw parser.Malformed(parser.Peek == ')' ? "')' without '('" : $"unexpected '{parser.Peek}'");
        return node;
    }

    bool AtEnd => _at >= _pattern.Length;
    char Peek => _pattern[_at];
    bool Next(char c) => !AtEnd && Peek == c;

    /// <summary>The pattern, searched for: any text before it and after it (its anchors say where it must stand).</summary>
    RegexNode TopLevel() => new RegexNode.Sequence([RegexNode.AnyText, Disjunction(), RegexNode.AnyText]);

    RegexNode Disjunction()
    {
        var choices = new List<RegexNode> { new RegexNode.Sequence([.. Terms()]) };
        while (Take('|')) choices.Add(new RegexNode.Sequence([.. Terms()]));
        return choices.Count == 1 ? choices[0] : new RegexNode.Choice([.. choices]);
    }

    /// <summary>Terms up to '|', ')' or the end.</summary>
    List<RegexNode> Terms()
    {
        var terms = new List<RegexNode>();
        while (!AtEnd && Peek is not ('|' or ')'))
        {
            if (Take('^') || Take('$'))
            {
                terms.Add(new RegexNode.Anchor(AtStart: _pattern[_at - 1] == '^'));
                if (!AtEnd && (Peek is '*' or '+' or '?' || Peek == '{' && QuantifierAhead())) throw Malformed($"nothing to repeat before '{Peek}' (an anchor reads nothing)");
                continue;
            }
            terms.Add(Quantified(Atom()));
        }
        return terms;
    }

    RegexNode Atom()
    {
        char c = Peek;
        switch (c)
        {
            case '(':
                return Group();
            case '[':
                _at++;
                return new RegexNode.Characters(Class());
            case '.':
                _at++;
                return new RegexNode.Characters(CodePointSet.AnyButNewline);
            case '\\':
                _at++;
                return AtomEscape();
            case '*' or '+' or '?':
                throw Malformed($"nothing to repeat before '{c}'");
            case '{' when QuantifierAhead():
                throw Malformed("nothing to repeat before '{'");
            case ']' or '}' or '{':
                _at++; // as ECMAScript's annex B reads them: the character itself
                return new RegexNode.Characters(CodePointSet.Single(c));
            default:
                return new RegexNode.Characters(CodePointSet.Single(ReadCodePoint()));
        }
    }

    RegexNode Group()
    {
        int start = _at++;
        if (Take('?'))
        {
            if (Take(':')) { }
            else if (Next('<') && _at + 1 < _pattern.Length && _pattern[_at + 1] is not ('=' or '!'))
            {
                int close = _pattern.IndexOf('>', _at);
                if (close < 0) throw Malformed("a group name without '>'");
                _at = close + 1;
            }
            else if (Next('=') || Next('!')) return Lookahead(start);
            else if (Next('<')) throw Unsupported("lookbehind ('(?<=', '(?<!')", start);
            else throw Unsupported($"the group '(?{(AtEnd ? "" : Peek.ToString())}'", start);
        }
        if (++_groupDepth > MaxGroupDepth) throw Unsupported($"groups nested more than {MaxGroupDepth} deep", start);
        var body = Disjunction();
        _groupDepth--;
        if (!Take(')')) throw Malformed("'(' without ')'", start);
        return body;
    }

    /// <summary>After "(?": (?=…) or (?!…), its body read as a group's; one inside another is refused.</summary>
    RegexNode Lookahead(int start)
    {
        bool negated = Peek == '!';
        _at++;
        if (_inLookahead) throw Unsupported("a lookahead inside a lookahead", start);
        _inLookahead = true;
        if (++_groupDepth > MaxGroupDepth) throw Unsupported($"groups nested more than {MaxGroupDepth} deep", start);
        var body = Disjunction();
        (_groupDepth, _inLookahead) = (_groupDepth - 1, false);
        if (!Take(')')) throw Malformed("'(' without ')'", start);
        var lookahead = new RegexNode.Lookahead(body, negated);
        if (!AtEnd && (Peek is '*' or '+' or '?' || Peek == '{' && QuantifierAhead())) throw Unsupported("a quantifier on a lookahead");
        return lookahead;
    }

    /// <summary>The atom with the quantifier that follows it, if one does.</summary>
    RegexNode Quantified(RegexNode atom)
    {
        if (AtEnd) return atom;
        int start = _at;
        (int Min, int? Max) quantifier;
        switch (Peek)
        {
            case '*': _at++; quantifier = (0, null); break;
            case '+': _at++; quantifier = (1, null); break;
            case '?': _at++; quantifier = (0, 1); break;
            case '{' when QuantifierAhead(): quantifier = Counted(); break;
            default: return atom;
        }
        Take('?'); // lazy: the same strings match
        if (quantifier.Max < quantifier.Min) throw Malformed($"the repeat {{{quantifier.Min},{quantifier.Max}}} has its numbers out of order", start);
        if (!AtEnd && (Peek is '*' or '+' or '?' || Peek == '{' && QuantifierAhead())) throw Malformed("a quantifier after a quantifier");
        return new RegexNode.Repeat(atom, quantifier.Min, quantifier.Max);
    }

    /// <summary>Whether '{' at the current place starts {n}, {n,} or {n,m}; otherwise it is a plain '{'.</summary>
    bool QuantifierAhead()
    {
        int i = _at + 1;
        int digits = 0;
        while (i < _pattern.Length && char.IsAsciiDigit(_pattern[i])) { i++; digits++; }
        if (digits == 0) return false;
        if (i < _pattern.Length && _pattern[i] == ',')
        {
            i++;
            while (i < _pattern.Length && char.IsAsciiDigit(_pattern[i])) i++;
        }
        return i < _pattern.Length && _pattern[i] == '}';
    }

    (int, int?) Counted()
    {
        _at++; // '{'
        int min = Count();
        int? max = min;
        if (Take(',')) max = Next('}') ? null : Count();
        _at++; // '}'
        return (min, max);
    }

    int Count()
    {
        int start = _at;
        while (char.IsAsciiDigit(Peek)) _at++;
        var digits = _pattern.AsSpan(start, _at - start);
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count > MaxRepeat)
            throw Unsupported($"a repeat count above {MaxRepeat}", start);
        return count;
    }

    RegexNode AtomEscape()
    {
        if (AtEnd) throw Malformed("'\\' at the end of the pattern");
        char c = Peek;
        if (c is >= '1' and <= '9') throw Unsupported("a backreference", _at - 1);
        if (c == 'k' && _at + 1 < _pattern.Length && _pattern[_at + 1] == '<') throw Unsupported("a named backreference", _at - 1);
        if (c is 'b' or 'B') throw Unsupported("a word boundary ('\\b', '\\B')", _at - 1);
        return new RegexNode.Characters(CharacterEscape(inClass: false));
    }

    /// <summary>After '\': the set it stands for (one character, or \d \w \s and their complements).</summary>
    CodePointSet CharacterEscape(bool inClass)
    {
        int start = _at - 1;
        char c = Peek;
        _at++;
        switch (c)
        {
            case 'd': return CodePointSet.Digits;
            case 'D': return CodePointSet.Digits.Complement();
            case 'w': return CodePointSet.WordCharacters;
            case 'W': return CodePointSet.WordCharacters.Complement();
            case 's': return CodePointSet.Whitespace;
            case 'S': return CodePointSet.Whitespace.Complement();
            case 'p' or 'P': throw Unsupported("a Unicode property class ('\\p', '\\P')", start);
            case 't': return CodePointSet.Single('\t');
            case 'n': return CodePointSet.Single('\n');
            case 'r': return CodePointSet.Single('\r');
            case 'f': return CodePointSet.Single('\f');
            case 'v': return CodePointSet.Single('\v');
            case 'b' when inClass: return CodePointSet.Single('\b');
            case '0' when AtEnd || !char.IsAsciiDigit(Peek): return CodePointSet.Single(0);
            case 'c' when !AtEnd && char.IsAsciiLetter(Peek): return CodePointSet.Single(_pattern[_at++] % 32);
            case 'x': return CodePointSet.Single(Hex(2, start));
            case 'u': return CodePointSet.Single(UnicodeEscape(start));
            default:
                if (char.IsAsciiLetterOrDigit(c)) throw Malformed($"the unknown escape '\\{c}'", start);
                _at--;
                return CodePointSet.Single(ReadCodePoint()); // an escaped punctuation character is itself
        }
    }

    int UnicodeEscape(int start)
    {
        if (!Take('{'))
        {
            int unit = Hex(4, start);
            // \uD83D\uDE00: a surrogate pair written as two escapes is one character.
            if (char.IsHighSurrogate((char)unit) && _pattern.Length - _at >= 6 && _pattern.AsSpan(_at).StartsWith("\\u") &&
                int.TryParse(_pattern.AsSpan(_at + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int low) &&
                char.IsLowSurrogate((char)low))
            {
                _at += 6;
                return char.ConvertToUtf32((char)unit, (char)low);
            }
            return unit;
        }
        int close = _pattern.IndexOf('}', _at);
        if (close < 0 || close == _at || close - _at > 6 ||
            !int.TryParse(_pattern.AsSpan(_at, close - _at), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int codePoint) ||
            codePoint > CodePointSet.MaxCodePoint)
            throw Malformed("a '\\u{...}' escape that is not a code point", start);
        _at = close + 1;
        return codePoint;
    }

    int Hex(int digits, int start)
    {
        if (_at + digits > _pattern.Length ||
            !int.TryParse(_pattern.AsSpan(_at, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
            throw Malformed($"an escape that needs {digits} hex digits", start);
        _at += digits;
        return value;
    }

    /// <summary>After '[': the class up to its ']'.</summary>
    CodePointSet Class()
    {
        int start = _at - 1;
        bool negated = Take('^');
        var ranges = new List<(int, int)>();
        while (!Next(']'))
        {
            if (AtEnd) throw Malformed("'[' without ']'", start);
            var first = ClassAtom();
            if (Next('-') && _at + 1 < _pattern.Length && _pattern[_at + 1] != ']')
            {
                _at++;
                var last = ClassAtom();
                if (first.Single is not { } from || last.Single is not { } to) throw Malformed("a class range with a class at one end (as in [\\d-z])");
                if (from > to) throw Malformed($"the class range {Describe(from)}-{Describe(to)} out of order");
                ranges.Add((from, to));
            }
            else ranges.AddRange(first.Set.Ranges);
        }
        _at++; // ']'
        var set = CodePointSet.Of([.. ranges]);
        return negated ? set.Complement() : set;
    }

    /// <summary>One member of a class: a character (Single) or an escape such as \d (a set).</summary>
    (CodePointSet Set, int? Single) ClassAtom()
    {
        if (!Take('\\'))
        {
            int codePoint = ReadCodePoint();
            return (CodePointSet.Single(codePoint), codePoint);
        }
        if (AtEnd) throw Malformed("'\\' at the end of the pattern");
        if (Peek == '-') { _at++; return (CodePointSet.Single('-'), '-'); }
        var set = CharacterEscape(inClass: true);
        return (set, set.Ranges is [var (first, last)] && first == last ? first : null);
    }

    int ReadCodePoint()
    {
        // A surrogate pair is read whole; a lone surrogate stands for itself and matches nothing a JSON string holds.
        if (char.IsHighSurrogate(Peek) && _at + 1 < _pattern.Length && char.IsLowSurrogate(_pattern[_at + 1]))
        {
            _at += 2;
            return char.ConvertToUtf32(_pattern[_at - 2], _pattern[_at - 1]);
        }
        return _pattern[_at++];
    }

    bool Take(char c)
    {
        if (!Next(c)) return false;
        _at++;
        return true;
    }

    static string Describe(int codePoint) => codePoint is > 0x20 and < 0x7F ? ((char)codePoint).ToString() : $"U+{codePoint:X4}";

    ArgumentException Malformed(string what, int? at = null) => new($"is not a valid regular expression: {what} at character {(at ?? _at) + 1}");

    NotSupportedException Unsupported(string what, int? at = null) => new($"uses {what} at character {(at ?? _at) + 1}, which is not supported");
}
