using System.Globalization;
using System.Text;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Reads llama.cpp's GBNF grammar notation into rules of alternatives of <see cref="GrammarSymbol"/>s:
/// <c>name ::= alternatives</c>, one rule per line (a rule goes on past a line end after <c>::=</c> or <c>|</c>, and
/// inside parentheses); <c>"literal"</c>, <c>[a-z]</c>, <c>[^...]</c>, <c>.</c>, rule names, <c>( ... )</c>, and the
/// repetitions <c>*</c>, <c>+</c>, <c>?</c>, <c>{m}</c>, <c>{m,}</c>, <c>{m,n}</c> (each written out as rules of its own);
/// escapes <c>\n \r \t \\ \" \[ \] \- \xHH \uHHHH \UHHHHHHHH</c>; <c>#</c> comments. Errors name the line and column.
/// </summary>
internal sealed class GbnfParser
{
    /// <summary>Parentheses nested deeper than this are refused (the parser recurses on them).</summary>
    public const int MaxNesting = 64;
    /// <summary>Symbols in all rules, repetitions written out, beyond which a grammar is refused.</summary>
    public const int MaxSymbols = 200_000;

    readonly string _text;
    int _pos;
    int _symbols;
    readonly Dictionary<string, int> _ruleIds = [];
    readonly List<List<GrammarSymbol[]>?> _rules = [];   // null until the rule is defined
    readonly List<string> _ruleNames = [];
    readonly Dictionary<string, (int Line, int Column)> _firstUse = [];
    string _currentRule = "";
    List<int>? _lineStarts;                               // where each line begins, for error positions

    GbnfParser(string text) => _text = text;

    /// <summary>The rules (alternatives of symbols), their names, and the index of <c>root</c>.</summary>
    /// <exception cref="ArgumentException">The grammar cannot be read; the message names the line and column.</exception>
    public static (GrammarSymbol[][][] Rules, string[] Names, int Root) Parse(string text)
    {
        var parser = new GbnfParser(text);
        parser.ParseRules();
        return parser.Finish();
    }

    void ParseRules()
    {
        SkipSpace(newlines: true);
        while (_pos < _text.Length)
        {
            ParseRule();
            SkipSpace(newlines: true);
        }
    }

    void ParseRule()
    {
        int start = _pos;
        string name = ParseName();
        SkipSpace(newlines: false);
        if (!_text.AsSpan(_pos).StartsWith("::=")) throw Error("expected ::= after the rule name");
        _pos += 3;
        SkipSpace(newlines: true);
        int id = RuleId(name, start);
        if (_rules[id] is not null) throw Error($"rule '{name}' is defined twice", start);
        _currentRule = name;
        _rules[id] = ParseAlternatives(depth: 0);
        if (_pos < _text.Length && _text[_pos] is not ('\n' or '\r')) throw Error($"unexpected '{_text[_pos]}'");
    }

    List<GrammarSymbol[]> ParseAlternatives(int depth)
    {
        var alternatives = new List<GrammarSymbol[]> { ParseSequence(depth) };
        while (_pos < _text.Length && _text[_pos] == '|')
        {
            _pos++;
            SkipSpace(newlines: true);
            alternatives.Add(ParseSequence(depth));
        }
        return alternatives;
    }

    /// <summary>Symbols up to a '|', ')' or (outside parentheses) the end of the line.</summary>
    GrammarSymbol[] ParseSequence(int depth)
    {
        var sequence = new List<GrammarSymbol>();
        int lastElementStart = -1; // where the last element's symbols begin in the sequence, for a repetition
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c is '*' or '+' or '?' or '{')
            {
                if (lastElementStart < 0) throw Error($"'{c}' repeats nothing");
                var element = sequence.GetRange(lastElementStart, sequence.Count - lastElementStart);
                sequence.RemoveRange(lastElementStart, element.Count);
                var (least, most) = ParseRepetition();
                sequence.AddRange(Repeat(element, least, most));
                lastElementStart = -1;
            }
            else
            {
                int before = sequence.Count;
                if (!ParseElement(sequence, depth)) break;
                lastElementStart = before;
            }
            SkipSpace(newlines: depth > 0);
        }
        Count(sequence.Count);
        return [.. sequence];
    }

    /// <summary>Adds one element's symbols; false at a character that ends the sequence.</summary>
    bool ParseElement(List<GrammarSymbol> sequence, int depth)
    {
        char c = _text[_pos];
        switch (c)
        {
            case '"':
                _pos++;
                while (true)
                {
                    if (_pos >= _text.Length || _text[_pos] is '\n' or '\r') throw Error("unterminated literal");
                    if (_text[_pos] == '"') { _pos++; break; }
                    int cp = ParseChar();
                    sequence.Add(GrammarSymbol.Characters([(cp, cp)], negated: false));
                }
                return true;
            case '[':
                sequence.Add(ParseCharClass());
                return true;
            case '.':
                _pos++;
                sequence.Add(GrammarSymbol.Characters([], negated: true));
                return true;
            case '(':
                if (depth >= MaxNesting) throw Error($"parentheses nested deeper than {MaxNesting}");
                _pos++;
                SkipSpace(newlines: true);
                var group = ParseAlternatives(depth + 1);
                if (_pos >= _text.Length || _text[_pos] != ')') throw Error("expected ')'");
                _pos++;
                sequence.Add(GrammarSymbol.Reference(NewRule(group)));
                return true;
            default:
                if (!IsNameChar(c)) return false;
                int start = _pos;
                sequence.Add(GrammarSymbol.Reference(RuleId(ParseName(), start)));
                return true;
        }
    }

    GrammarSymbol ParseCharClass()
    {
        _pos++; // '['
        bool negated = _pos < _text.Length && _text[_pos] == '^';
        if (negated) _pos++;
        var ranges = new List<(int, int)>();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] is '\n' or '\r') throw Error("unterminated character class");
            if (_text[_pos] == ']') { _pos++; break; }
            int first = ParseChar(), last = first;
            if (_pos + 1 < _text.Length && _text[_pos] == '-' && _text[_pos + 1] != ']')
            {
                _pos++;
                last = ParseChar();
                if (last < first) throw Error($"range U+{first:X4}-U+{last:X4} runs backwards");
            }
            ranges.Add((first, last));
        }
        return GrammarSymbol.Characters(ranges, negated);
    }

    /// <summary>One character of a literal or class, escapes read.</summary>
    int ParseChar()
    {
        char c = _text[_pos];
        if (c != '\\')
        {
            if (char.IsSurrogatePair(_text, _pos)) { _pos += 2; return char.ConvertToUtf32(_text[_pos - 2], _text[_pos - 1]); }
            if (char.IsSurrogate(c)) throw Error("a lone surrogate is not a character");
            _pos++;
            return c;
        }
        if (_pos + 1 >= _text.Length) throw Error("escape at the end of the grammar");
        char e = _text[_pos + 1];
        _pos += 2;
        switch (e)
        {
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case '\\' or '"' or '[' or ']' or '-' or '\'' or '^': return e;
            case 'x': return ParseHex(2);
            case 'u': return ParseHex(4);
            case 'U': return ParseHex(8);
            default: throw Error($"unknown escape '\\{e}'", _pos - 2);
        }
    }

    int ParseHex(int digits)
    {
        if (_pos + digits > _text.Length || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value) || value < 0)
            throw Error($"expected {digits} hexadecimal digits");
        if (value > 0x10FFFF || value is >= 0xD800 and <= 0xDFFF) throw Error($"U+{value:X} is not a Unicode scalar value");
        _pos += digits;
        return value;
    }

    (int Least, int? Most) ParseRepetition()
    {
        char c = _text[_pos++];
        if (c == '*') return (0, null);
        if (c == '+') return (1, null);
        if (c == '?') return (0, 1);
        SkipSpace(newlines: false);
        int least = ParseCount();
        SkipSpace(newlines: false);
        int? most = least;
        if (_pos < _text.Length && _text[_pos] == ',')
        {
            _pos++;
            SkipSpace(newlines: false);
            most = _pos < _text.Length && char.IsAsciiDigit(_text[_pos]) ? ParseCount() : null;
            SkipSpace(newlines: false);
        }
        if (_pos >= _text.Length || _text[_pos] != '}') throw Error("expected '}'");
        _pos++;
        if (most < least) throw Error($"repetition {{{least},{most}}} has its most below its least");
        return (least, most);
    }

    int ParseCount()
    {
        int start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        if (_pos == start) throw Error("expected a number");
        if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count > MaxSymbols)
            throw Error($"repetition count over {MaxSymbols}", start);
        return count;
    }

    /// <summary>
    /// The element repeated: <paramref name="least"/> copies, then (<paramref name="most"/> − least) nested optional ones,
    /// or a rule that repeats without end (x* as <c>r ::= x r | ε</c>).
    /// </summary>
    List<GrammarSymbol> Repeat(List<GrammarSymbol> element, int least, int? most)
    {
        var one = element.Count == 1 ? element[0] : GrammarSymbol.Reference(NewRule([[.. element]]));
        Count((long)least + (most ?? 1));
        var result = Enumerable.Repeat(one, least).ToList();
        if (most is null)
        {
            int id = NewRule(null);
            _rules[id] = [[one, GrammarSymbol.Reference(id)], []];
            result.Add(GrammarSymbol.Reference(id));
        }
        else if (most > least)
        {
            int? tail = null; // x? , x (x)? , ... built from the innermost out
            for (int i = least; i < most; i++)
            {
                var body = tail is int inner ? new[] { one, GrammarSymbol.Reference(inner) } : new[] { one };
                tail = NewRule([body, []]);
            }
            result.Add(GrammarSymbol.Reference(tail!.Value));
        }
        return result;
    }

    string ParseName()
    {
        int start = _pos;
        while (_pos < _text.Length && IsNameChar(_text[_pos])) _pos++;
        if (_pos == start) throw Error("expected a rule name");
        return _text[start.._pos];
    }

    static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    int RuleId(string name, int position)
    {
        if (_ruleIds.TryGetValue(name, out int id)) return id;
        id = NewRule(null, name);
        _firstUse[name] = LineAndColumn(position);
        return id;
    }

    int NewRule(List<GrammarSymbol[]>? alternatives, string? name = null)
    {
        int id = _rules.Count;
        _rules.Add(alternatives);
        // A written-out group or repetition gets a name no rule can have, that says where it was written.
        _ruleNames.Add(name ?? $"(the group or repetition before line {LineAndColumn(_pos).Line}, column {LineAndColumn(_pos).Column}, in rule '{_currentRule}')");
        if (name is not null) _ruleIds[name] = id;
        return id;
    }

    void Count(long symbols)
    {
        _symbols += (int)Math.Min(symbols, MaxSymbols + 1L);
        if (_symbols > MaxSymbols) throw Error($"the grammar holds over {MaxSymbols} symbols once its repetitions are written out");
    }

    /// <summary>Spaces, tabs and comments; line ends too where a rule goes on past them.</summary>
    void SkipSpace(bool newlines)
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c is ' ' or '\t' || newlines && c is '\n' or '\r') _pos++;
            else if (c == '#') while (_pos < _text.Length && _text[_pos] is not ('\n' or '\r')) _pos++;
            else break;
        }
    }

    (GrammarSymbol[][][] Rules, string[] Names, int Root) Finish()
    {
        for (int id = 0; id < _rules.Count; id++)
            if (_rules[id] is null)
            {
                var (line, column) = _firstUse[_ruleNames[id]];
                throw new ArgumentException($"grammar: line {line}, column {column}: rule '{_ruleNames[id]}' is used but not defined");
            }
        if (!_ruleIds.TryGetValue("root", out int root)) throw new ArgumentException("grammar: there is no rule 'root' (where the text starts)");
        return ([.. _rules.Select(r => r!.ToArray())], [.. _ruleNames], root);
    }

    ArgumentException Error(string message, int? at = null)
    {
        var (line, column) = LineAndColumn(at ?? _pos);
        return new ArgumentException($"grammar: line {line}, column {column}: {message}");
    }

    (int Line, int Column) LineAndColumn(int position)
    {
        _lineStarts ??= [0, .. Enumerable.Range(0, _text.Length).Where(i => _text[i] == '\n').Select(i => i + 1)];
        int line = _lineStarts.BinarySearch(Math.Min(position, _text.Length));
        if (line < 0) line = ~line - 1; // the last line start at or before the position
        return (line + 1, position - _lineStarts[line] + 1);
    }
}
