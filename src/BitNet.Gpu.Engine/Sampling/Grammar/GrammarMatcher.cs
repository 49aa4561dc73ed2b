namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Reads text against a <see cref="CompiledGrammar"/> one byte at a time, as llama.cpp's grammar sampler does: a state is
/// the set of parse stacks still open, each stack the positions (rule, alternative, symbol) left to finish, innermost
/// on top, its top always a character set (an empty stack: <c>root</c> has ended). A character moves every stack whose
/// top holds it; the bytes of a character not yet complete keep the stacks whose top holds some character they can
/// start. States are made once and kept with their transitions, so the text's bytes, and every token the mask tries,
/// are mostly table lookups (a lazily built automaton). Not thread-safe: one per request.
/// </summary>
internal sealed class GrammarMatcher
{
    /// <summary>
    /// Open parses kept at most. A grammar that opens more before any text is refused when compiled; one that opens more
    /// after a character keeps those found first: the text still follows the grammar, though some of its continuations
    /// are then not offered (rather than ending the request with every token refused).
    /// </summary>
    public const int MaxStacks = 4096;
    /// <summary>States kept with their transitions (2 KB each); beyond this new states are made each time (correct, slower).</summary>
    const int MaxKeptStates = 8192;

    readonly GrammarSymbol[][][] _rules;
    readonly Dictionary<(int Rule, int Alternative, int Index, Frame? Parent), Frame> _frames = [];
    readonly Dictionary<string, State> _states = [];

    public GrammarMatcher(CompiledGrammar grammar)
    {
        _rules = grammar.Rules;
        var tops = new HashSet<Frame?>(ReferenceEqualityComparer.Instance);
        for (int a = 0; a < _rules[grammar.Root].Length; a++)
            if (!Expand(_rules[grammar.Root][a].Length == 0 ? null : FrameOf(grammar.Root, a, 0, null), tops))
                throw new ArgumentException($"grammar: more than {MaxStacks} parses are open before the first character (an ambiguous repetition such as (x?)*: write it as x*)");
        Start = StateOf(tops, 0, 0, 0);
    }

    /// <summary>Before any text.</summary>
    public State Start { get; }

    /// <summary>A position to finish: symbol <see cref="Index"/> of an alternative (always one of its symbols: a finished
    /// alternative is never kept), then the rest of <see cref="Parent"/>.</summary>
    public sealed class Frame(int id, int rule, int alternative, int index, Frame? parent)
    {
        public readonly int Id = id, Rule = rule, Alternative = alternative, Index = index;
        public readonly Frame? Parent = parent;
    }

    /// <summary>The open parses after some text, and the bytes of a character begun but not complete.</summary>
    public sealed class State(Frame?[] tops, int pendingValue, int pendingLeft, int pendingLeast)
    {
        public readonly Frame?[] Tops = tops;                // null: a stack that has ended
        public readonly int PendingValue = pendingValue;     // the character's bits read so far
        public readonly int PendingLeft = pendingLeft;       // continuation bytes still to come (0: between characters)
        public readonly int PendingLeast = pendingLeast;     // the least code point of the character's length (no overlong forms)
        internal readonly State?[] Next = new State?[256];   // transitions made so far; Refused where the byte is not taken

        /// <summary>The text may end here: a parse has ended and no character is half read.</summary>
        public bool MayEnd => PendingLeft == 0 && Array.IndexOf(Tops, null) >= 0;

        /// <summary>Nothing can follow: every parse has ended.</summary>
        public bool IsComplete => PendingLeft == 0 && Tops.All(t => t is null);
    }

    static readonly State Refused = new([], 0, 0, 0);

    /// <summary>The state after one more byte; null where the grammar does not take it.</summary>
    public State? Next(State state, byte b)
    {
        var next = state.Next[b] ??= Advance(state, b);
        return ReferenceEquals(next, Refused) ? null : next;
    }

    State Advance(State state, byte b)
    {
        if (state.PendingLeft == 0)
        {
            if (b < 0x80) return Read(state, b);
            var (value, left, least) = b switch
            {
                >= 0xC2 and <= 0xDF => (b & 0x1F, 1, 0x80),
                >= 0xE0 and <= 0xEF => (b & 0x0F, 2, 0x800),
                >= 0xF0 and <= 0xF4 => (b & 0x07, 3, 0x10000),
                _ => (0, 0, 0),
            };
            return left == 0 ? Refused : Begun(state.Tops, value, left, least);
        }
        if ((b & 0xC0) != 0x80) return Refused;
        int bits = state.PendingValue << 6 | b & 0x3F;
        if (state.PendingLeft > 1) return Begun(state.Tops, bits, state.PendingLeft - 1, state.PendingLeast);
        bool scalar = bits >= state.PendingLeast && bits <= 0x10FFFF && bits is < 0xD800 or > 0xDFFF;
        return scalar ? Read(state, bits) : Refused;
    }

    /// <summary>A character begun: kept while some stack's top holds a character it can still become.</summary>
    State Begun(Frame?[] tops, int value, int left, int least)
    {
        int first = Math.Max(value << 6 * left, least), last = Math.Min(value << 6 * left | (1 << 6 * left) - 1, 0x10FFFF);
        bool possible = first <= last && tops.Any(t => t is not null && Symbol(t).MatchesSomeOf(first, last));
        return possible ? StateOf(tops, value, left, least) : Refused;
    }

    /// <summary>A whole character read: every stack whose top holds it moves on.</summary>
    State Read(State state, int codePoint)
    {
        var tops = new HashSet<Frame?>(ReferenceEqualityComparer.Instance);
        foreach (var top in state.Tops)
        {
            if (top is null || !Symbol(top).Matches(codePoint)) continue;
            if (!Expand(After(top), tops)) break; // the parses kept so far go on (see MaxStacks)
        }
        return tops.Count == 0 ? Refused : StateOf(tops, 0, 0, 0);
    }

    /// <summary>
    /// Adds the stacks that <paramref name="frame"/> opens, each down to a character set on top (or ended: null); false
    /// when they pass <see cref="MaxStacks"/>. A work list, not recursion: a chain of rules can be as long as the grammar.
    /// </summary>
    bool Expand(Frame? frame, HashSet<Frame?> tops)
    {
        var work = new Queue<Frame?>(); // breadth first: where parses must be dropped, the shortest ways on are kept
        var seen = new HashSet<Frame?>(ReferenceEqualityComparer.Instance);
        work.Enqueue(frame);
        while (work.Count > 0)
        {
            var next = work.Dequeue();
            if (!seen.Add(next)) continue; // a nullable rule met twice opens the same stacks
            if (next is null || Symbol(next).IsCharacters)
            {
                tops.Add(next);
                if (tops.Count > MaxStacks) return false;
                continue;
            }
            var symbol = Symbol(next);
            var rest = After(next);
            for (int a = 0; a < _rules[symbol.Rule].Length; a++)
                work.Enqueue(_rules[symbol.Rule][a].Length == 0 ? rest : FrameOf(symbol.Rule, a, 0, rest));
        }
        return true;
    }

    /// <summary>
    /// What is left after the frame's symbol: the next symbol of its alternative, or, where the alternative ends there,
    /// what is left of its parent (so a rule that repeats by referring to itself last, x* as <c>r ::= x r</c>, does not
    /// deepen the stack on every repetition).
    /// </summary>
    Frame? After(Frame frame) =>
        frame.Index + 1 < _rules[frame.Rule][frame.Alternative].Length ? FrameOf(frame.Rule, frame.Alternative, frame.Index + 1, frame.Parent) : frame.Parent;

    GrammarSymbol Symbol(Frame frame) => _rules[frame.Rule][frame.Alternative][frame.Index];

    /// <summary>One frame per position and parent, so equal stacks are the same object.</summary>
    Frame FrameOf(int rule, int alternative, int index, Frame? parent)
    {
        var key = (rule, alternative, index, parent);
        if (!_frames.TryGetValue(key, out var frame)) _frames[key] = frame = new Frame(_frames.Count, rule, alternative, index, parent);
        return frame;
    }

    /// <summary>One state per set of stacks and half-read character, while there is room to keep them.</summary>
    State StateOf(IEnumerable<Frame?> tops, int value, int left, int least)
    {
        var sorted = tops.OrderBy(t => t?.Id ?? -1).ToArray();
        string key = $"{value},{left},{least}:{string.Join(',', sorted.Select(t => t?.Id ?? -1))}";
        if (_states.TryGetValue(key, out var state)) return state;
        state = new State(sorted, value, left, least);
        if (_states.Count < MaxKeptStates) _states[key] = state;
        return state;
    }
}
