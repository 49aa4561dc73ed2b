using System.Collections.Immutable;
using BitNet.Gpu.Engine.Sampling.Patterns;
using Expect = BitNet.Gpu.Engine.Sampling.JsonPrefix.Expect;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Reads a JSON text one byte at a time and says at each byte whether it can still become one object that satisfies a
/// schema (see <see cref="JsonSchemaCompiler"/> for the keywords held). <see cref="JsonPrefix"/> checks the syntax; this
/// follows its states and checks, beside it, each value's type, each key against the properties left, required
/// properties before '}', item counts, string lengths, patterns, number bounds and enum values. Properties may come in any order, each once.
/// A copy is a snapshot: the innermost container is held in the struct, the outer ones in links that never change.
/// </summary>
internal partial struct JsonSchemaPrefix : IJsonText
{
    /// <summary>A container being read: its schema and what has been read of it.</summary>
    struct Frame
    {
        public JsonSchemaNode? Node;  // null outside the root object
        public bool IsArray;
        public ulong Seen;            // objects: bit i once declared property i was read
        public int Keys;              // objects: keys read
        public int Items;             // arrays: items started
        public ImmutableHashSet<ulong>? Unique; // arrays with uniqueItems: the items' values read (see UniqueValues)
    }

    /// <summary>The containers around the innermost one, shared by every copy.</summary>
    sealed class Outer(Frame frame, Outer? next)
    {
        public readonly Frame Frame = frame;
        public readonly Outer? Next = next;
    }

    enum Matching : byte { None, Key, Literal }

    JsonPrefix _syntax;
    Frame _top;
    Outer? _outer;
    JsonSchemaNode _next;      // the schema of the value the text expects next
    JsonSchemaNode _value;     // the schema of the scalar being read
    Matching _matching;
    ulong _candidates;         // the keys or enum values that still match what was read
    int _matched;              // bytes of the key or enum value read
    int _chars;                // characters of the string value read
    int _patternState;         // a string with a pattern: its automaton's state after the characters read
    int _partial;              // the bits read of a character still being read (UTF-8 bytes or \u hex digits)
    int _partialLeft;          // its bytes or digits still to come
    long _magnitude;           // the digits of a bounded integer read so far
    bool _negative, _hasDigits, _boundedInteger;
    DecimalReader _decimal;    // a bounded number that may have a fraction
    bool _boundedDecimal;
    bool _uniqueItem;          // the value is an item of an array with uniqueItems
    bool _itemIsInteger, _itemNegative;
    ulong _itemHash;           // its value's hash so far (see UniqueValues)

    public JsonSchemaPrefix(JsonSchemaNode root) => _next = _value = root;

    /// <summary>The branches of the value expected next where they overlap (see <see cref="JsonSchemaChoices"/>), else null.</summary>
    public readonly JsonSchemaNode[]? NextBranches => _next.Branches;

    /// <summary>This text with the value expected next held to one branch of its anyOf.</summary>
    public readonly JsonSchemaPrefix WithNext(JsonSchemaNode branch)
    {
        var copy = this;
        copy._next = branch;
        return copy;
    }

    /// <summary>
    /// Whether every byte that follows means the same to both texts (read from the same bytes, so their syntax is the
    /// same): both between values, in the same container with the same properties or items read, and, where a value
    /// comes next, with the same schema for it. Choices of branches that end alike are then followed once.
    /// </summary>
    public readonly bool SameFuture(in JsonSchemaPrefix other)
    {
        var state = _syntax.State;
        if (state is not (Expect.TopObject or Expect.Value or Expect.FirstValueOrEnd or Expect.FirstKeyOrEnd or Expect.Key
            or Expect.Colon or Expect.CommaOrEnd or Expect.Done)) return false;
        bool valueNext = state is Expect.TopObject or Expect.Value or Expect.FirstValueOrEnd or Expect.Colon;
        return ReferenceEquals(_outer, other._outer) && ReferenceEquals(_top.Node, other._top.Node) && _top.IsArray == other._top.IsArray
            && _top.Seen == other._top.Seen && _top.Keys == other._top.Keys && _top.Items == other._top.Items
            && ReferenceEquals(_top.Unique, other._top.Unique) && (!valueNext || ReferenceEquals(_next, other._next));
    }

    public readonly bool IsComplete => _syntax.IsComplete;

    public readonly int PlainTextRoom => _syntax.PlainTextRoom < 0 || _matching != Matching.None ? -1
        : _value.StringRules.Pattern is { } pattern ? (pattern.TakesAnyText(_patternState) ? int.MaxValue : -1)
        : _value.StringRules.MaxLength == int.MaxValue ? int.MaxValue : _value.StringRules.MaxLength - _chars;

    public readonly (PatternAutomaton Automaton, int State)? PlainTextPattern =>
        _syntax.PlainTextRoom >= 0 && _matching == Matching.None && _value.StringRules.Pattern is { } pattern ? (pattern, _patternState) : null;

    public readonly bool Takes(ReadOnlySpan<byte> bytes) => IJsonText.PushedOnACopy(this, bytes);

    public bool Push(byte b)
    {
        var before = _syntax.State;
        return _syntax.Push(b) && Follow(before, b, _syntax.State);
    }

    /// <summary>What byte b, which took the syntax from state before to after, means for the schema.</summary>
    bool Follow(Expect before, byte b, Expect after)
    {
        if (IsNumber(before))
        {
            if (IsNumber(after)) return NumberByte(b, after);
            if (!EndScalar()) return false; // the number ended before b; b is what follows a value
            before = Expect.CommaOrEnd;
        }
        switch (before)
        {
            case Expect.String or Expect.Escape or Expect.Unicode:
                bool closes = before == Expect.String && b == '"';
                return _matching == Matching.Key ? KeyByte(b, closes) : StringByte(b, before, closes);
            case Expect.Literal:
                return (_matching != Matching.Literal || MatchLiteral(b)) && (after == Expect.Literal || EndScalar());
            case Expect.TopObject or Expect.Value or Expect.FirstValueOrEnd:
                return JsonPrefix.IsWhitespace(b) || (b == ']' ? CloseArray() : StartValue(b));
            case Expect.FirstKeyOrEnd or Expect.Key:
                return JsonPrefix.IsWhitespace(b) || (b == '}' ? CloseObject() : StartKey());
            case Expect.CommaOrEnd:
                return JsonPrefix.IsWhitespace(b) || (b == ',' ? Comma() : b == '}' ? CloseObject() : CloseArray());
            default:
                return true; // the colon: the key's schema was settled at its closing quote
        }
    }

    bool StartValue(byte b)
    {
        if (_top.IsArray && _top.Items++ >= _top.Node!.MaxItems) return false;
        var node = _next;
        if (node.Branches is not null) throw new InvalidOperationException("a value of an anyOf with overlapping branches: read it through JsonSchemaChoices, which picks the branch");
        var type = b switch
        {
            (byte)'{' => JsonTypes.Object,
            (byte)'[' => JsonTypes.Array,
            (byte)'"' => JsonTypes.String,
            (byte)'t' or (byte)'f' => JsonTypes.Boolean,
            (byte)'n' => JsonTypes.Null,
            _ => JsonTypes.Number | JsonTypes.Integer,
        };
        if ((node.Types & type) == 0) return false;
        _value = node;
        _uniqueItem = _top.IsArray && _top.Node!.UniqueItems;
        if (node.Literals is { } literals)
        {
            ulong candidates = AllOf(literals.Length) & ~(_uniqueItem ? LiteralsAlreadyItems(node.LiteralHashes!) : 0);
            (_matching, _candidates, _matched) = (Matching.Literal, candidates, 0);
            if (!MatchLiteral(b)) return false;
        }
        else if (_uniqueItem && !StartUniqueItem(b)) return false;
        if (b == '{') Open(node.ObjectRules, isArray: false);
        else if (b == '[') { Open(node.ArrayRules, isArray: true); _next = node.ArrayRules.ItemAt(0); }
        else if (b == '"') (_chars, _patternState) = (0, PatternAutomaton.Start);
        else if ((type & JsonTypes.Integer) != 0 && node.NumberRules.HasIntegerRules)
        {
            (_boundedInteger, _negative, _hasDigits, _magnitude) = (true, b == '-', false, 0);
            return b == '-' ? CanReachBounds() : AddDigit(b);
        }
        else if ((type & JsonTypes.Number) != 0 && node.NumberRules.DecimalBounds is { } bounds && node.Literals is null) // enum values were checked against the bounds
        {
            _boundedDecimal = true;
            return _decimal.Start(b, bounds);
        }
        return true;
    }

    /// <summary>A digit, sign, '.' or exponent inside a number: fractions and exponents only where the schema allows any number.</summary>
    bool NumberByte(byte b, Expect after)
    {
        if (after is Expect.Point or Expect.Exponent && (_value.Types & JsonTypes.Number) == 0) return false;
        if (_boundedInteger && !AddDigit(b)) return false;
        if (_boundedDecimal && !_decimal.Push(b, after, _value.NumberRules.DecimalBounds!.Value)) return false;
        if (_uniqueItem && _matching != Matching.Literal) _itemHash = UniqueValues.Fold(_itemHash, b); // a digit: unique items are integers
        return _matching != Matching.Literal || MatchLiteral(b);
    }

    /// <summary>One more digit of a bounded integer; false once no integer in bounds starts with the digits read.</summary>
    bool AddDigit(byte b)
    {
        if (_magnitude > (long.MaxValue - 9) / 10) return false; // past any bound a long can hold
        (_magnitude, _hasDigits) = (_magnitude * 10 + (b - '0'), true);
        return CanReachBounds();
    }

    /// <summary>
    /// Whether some integer in [Minimum, Maximum] (and a multiple of MultipleOf) is written with the sign and digits read
    /// so far: the integers that start with the digits m are m itself and, for k more digits, [m·10^k, (m+1)·10^k − 1]
    /// (m = 0 takes no more).
    /// </summary>
    readonly bool CanReachBounds()
    {
        var rules = _value.NumberRules;
        Int128 low = rules.Minimum, high = rules.Maximum;
        if (!_hasDigits) return _negative ? low <= 0 : high >= 0;
        for (Int128 scale = 1; ; scale *= 10)
        {
            Int128 first = _magnitude * scale, last = (_magnitude + 1) * scale - 1;
            if (_magnitude == 0) last = 0;
            var (from, to) = _negative ? (-last, -first) : (first, last);
            if (JsonSchemaCompiler.HasMultiple(Int128.Max(from, low), Int128.Min(to, high), rules.MultipleOf)) return true;
            if (_magnitude == 0 || first > long.MaxValue) return false;
        }
    }

    /// <summary>The opening quote of a key: the candidates are the declared properties not yet read (all of them where other keys may come too, to refuse a repeat).</summary>
    bool StartKey()
    {
        var node = _top.Node!;
        if (_top.Keys >= node.MaxProperties) return false;
        ulong declared = AllOf(node.PropertyKeys.Length);
        _candidates = node.FirstPropertyLeads && _top.Keys == 0 ? 1 : node.AdditionalProperties is null ? declared & ~_top.Seen : declared;
        (_matching, _matched) = (Matching.Key, 0);
        return KeyByte((byte)'"', closes: false);
    }

    bool KeyByte(byte b, bool closes)
    {
        var node = _top.Node!;
        _candidates = Narrow(node.PropertyKeys, b);
        bool otherKeys = node.AdditionalProperties is not null && !(node.FirstPropertyLeads && _top.Keys == 0);
        if (!closes) return _candidates != 0 || otherKeys;

        _matching = Matching.None;
        _top.Keys++;
        int property = Completed(node.PropertyKeys);
        if (property >= 0)
        {
            if ((_top.Seen >> property & 1) != 0) return false; // each property once
            _top.Seen |= 1UL << property;
            _next = node.PropertySchemas[property];
            return true;
        }
        if (!otherKeys) return false;
        _next = node.AdditionalProperties!;
        return true;
    }

    bool MatchLiteral(byte b) => (_candidates = Narrow(_value.Literals!, b)) != 0;

    /// <summary>The end of a scalar value: an enum value must be complete.</summary>
    bool EndScalar()
    {
        if (_boundedInteger)
        {
            _boundedInteger = false;
            long value = _negative ? -_magnitude : _magnitude;
            var rules = _value.NumberRules;
            if (value < rules.Minimum || value > rules.Maximum || rules.MultipleOf > 0 && value % rules.MultipleOf != 0) return false;
        }
        if (_boundedDecimal)
        {
            _boundedDecimal = false;
            if (!_decimal.EndsWithin(_value.NumberRules.DecimalBounds!.Value)) return false;
        }
        if (_matching == Matching.Literal)
        {
            _matching = Matching.None;
            int literal = Completed(_value.Literals!);
            return literal >= 0 && (!_uniqueItem || AddUniqueItem(_value.LiteralHashes![literal]));
        }
        return !_uniqueItem || AddUniqueItem(_itemIsInteger ? UniqueValues.EndInteger(_itemHash, _itemNegative) : _itemHash);
    }

    /// <summary>The candidates whose next byte is b; one more byte matched.</summary>
    ulong Narrow(byte[][] choices, byte b)
    {
        ulong left = 0;
        for (ulong bits = _candidates; bits != 0; bits &= bits - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(bits);
            if (_matched < choices[i].Length && choices[i][_matched] == b) left |= 1UL << i;
        }
        _matched++;
        return left;
    }

    /// <summary>The candidate read whole, or −1.</summary>
    readonly int Completed(byte[][] choices)
    {
        for (ulong bits = _candidates; bits != 0; bits &= bits - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(bits);
            if (choices[i].Length == _matched) return i;
        }
        return -1;
    }

    bool Comma()
    {
        var node = _top.Node!;
        if (_top.IsArray)
        {
            _next = node.ItemAt(_top.Items);
            return _top.Items < node.MaxItems;
        }
        return _top.Keys < node.MaxProperties && (node.AdditionalProperties is not null || (_top.Seen | ~AllOf(node.PropertyKeys.Length)) != ulong.MaxValue);
    }

    bool CloseObject()
    {
        var node = _top.Node!;
        if ((_top.Seen & node.Required) != node.Required || _top.Keys < node.MinProperties) return false;
        Close();
        return true;
    }

    bool CloseArray()
    {
        if (_top.Items < _top.Node!.MinItems) return false;
        Close();
        return true;
    }

    void Open(JsonSchemaNode node, bool isArray)
    {
        _outer = new Outer(_top, _outer);
        _top = new Frame { Node = node, IsArray = isArray };
    }

    void Close() => (_top, _outer) = (_outer!.Frame, _outer.Next);

    static ulong AllOf(int count) => count == 64 ? ulong.MaxValue : (1UL << count) - 1;

    static bool IsNumber(Expect state) => state is Expect.Minus or Expect.Zero or Expect.Integer or Expect.Point or Expect.Fraction
        or Expect.Exponent or Expect.ExponentSign or Expect.ExponentDigits;
}
