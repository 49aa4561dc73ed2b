namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// A deterministic automaton over code points that accepts the strings a string schema allows: its <c>pattern</c> or
/// <c>format</c>, and its <c>minLength</c>/<c>maxLength</c> when they come with one. Only states from which an accepting
/// state can be reached are kept, so a string that has stepped into a state can always be finished: what
/// <see cref="JsonSchemaPrefix"/> needs to refuse a character the moment no match can follow. The alphabet is cut into
/// intervals that every edge's set either holds whole or not at all. Immutable; state 0 is the start.
/// </summary>
internal sealed class PatternAutomaton
{
    /// <summary>States at most, and state × interval table entries at most.</summary>
    public const int MaxStates = 10_000, MaxTableEntries = 2_000_000;

    /// <summary>
    /// NFA states visited while building, at most: a pattern whose deterministic states are large sets of NFA states
    /// (^(.*a.*b){200}$ took 4 s and 700 MB before this bound) is refused in ~0.4 s instead.
    /// </summary>
    public const int MaxBuildWork = 1_000_000;

    readonly int[] _intervalStarts;  // sorted, the first 0
    readonly int[] _next;            // [state · intervals + interval] → state, or −1
    readonly bool[] _accepting;
    bool[]? _takesAnyText;           // worked out on first use: the automata met while building never need it

    PatternAutomaton(int[] intervalStarts, int[] next, bool[] accepting) => (_intervalStarts, _next, _accepting) = (intervalStarts, next, accepting);

    public const int Start = 0;

    public int StateCount => _accepting.Length;

    int Intervals => _intervalStarts.Length;

    public bool IsAccepting(int state) => _accepting[state];

    /// <summary>The state after the code point, or −1 where no match can follow.</summary>
    public int Step(int state, int codePoint) => _next[state * Intervals + IntervalOf(codePoint)];

    /// <summary>Whether some code point from first to last takes the state on (to a state that can still match).</summary>
    public bool CanStep(int state, int first, int last)
    {
        for (int interval = IntervalOf(first), end = IntervalOf(last); interval <= end; interval++)
            if (_next[state * Intervals + interval] >= 0) return true;
        return false;
    }

    /// <summary>
    /// Whether every text of characters from U+0020 up is taken from the state (as after an unanchored pattern's
    /// match): plain text is then taken without being read.
    /// </summary>
    public bool TakesAnyText(int state) => (_takesAnyText ??= StatesTakingAnyText())[state]; // a race only works it out twice

    /// <summary>
    /// The largest set of states whose every character from U+0020 up leads into the set: start from all states and
    /// take out, with those that lead to them, the states that refuse such a character.
    /// </summary>
    bool[] StatesTakingAnyText()
    {
        int count = StateCount;
        var taking = new bool[count];
        Array.Fill(taking, true);
        var leadingTo = new List<int>[count];
        for (int s = 0; s < count; s++) leadingTo[s] = [];
        var refused = new Stack<int>();
        for (int s = 0; s < count; s++)
            foreach (int interval in TextIntervals())
            {
                int target = _next[s * Intervals + interval];
                if (target >= 0) leadingTo[target].Add(s);
                else if (taking[s]) { taking[s] = false; refused.Push(s); }
            }
        while (refused.TryPop(out int s))
            foreach (int source in leadingTo[s])
                if (taking[source]) { taking[source] = false; refused.Push(source); }
        return taking;
    }

    /// <summary>The intervals that hold characters from U+0020 up (not those holding surrogates alone, which no text has).</summary>
    IEnumerable<int> TextIntervals()
    {
        for (int interval = IntervalOf(0x20); interval < Intervals; interval++)
        {
            int first = _intervalStarts[interval], last = interval + 1 < Intervals ? _intervalStarts[interval + 1] - 1 : CodePointSet.MaxCodePoint;
            if (!(first >= 0xD800 && last <= 0xDFFF)) yield return interval;
        }
    }

    /// <summary>
    /// Whether some code point that starts with the bits read of a character, followed by unknownBits bits not yet
    /// read, takes the state on; none below floor counts (the shortest UTF-8 form of a character of that length).
    /// </summary>
    public bool CanStepPartial(int state, int bitsRead, int unknownBits, int floor)
    {
        int first = bitsRead << unknownBits;
        return CanStep(state, Math.Max(first, floor), Math.Min(first + (1 << unknownBits) - 1, CodePointSet.MaxCodePoint));
    }

    /// <summary>
    /// Whether the state takes the UTF-8 text (valid, from a character's start, perhaps ending inside one): each whole
    /// character steps, and a last one cut short must be able to become one that does.
    /// </summary>
    public bool TakesText(int state, ReadOnlySpan<byte> utf8)
    {
        int at = 0;
        while (at < utf8.Length)
        {
            var (bits, continuations) = ReadLead(utf8[at]);
            int read = Math.Min(continuations, utf8.Length - at - 1);
            for (int i = 1; i <= read; i++) bits = bits << 6 | (utf8[at + i] & 0x3F);
            if (read < continuations) return CanStepPartial(state, bits, 6 * (continuations - read), FloorOf(continuations));
            if ((state = Step(state, bits)) < 0) return false;
            at += continuations + 1;
        }
        return true;
    }

    /// <summary>A valid UTF-8 lead byte's payload bits and how many continuation bytes follow it (an ASCII byte: itself, none).</summary>
    public static (int Bits, int Continuations) ReadLead(byte lead)
    {
        int continuations = lead < 0x80 ? 0 : lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
        return (continuations == 0 ? lead : lead & (0x3F >> continuations), continuations);
    }

    /// <summary>The smallest code point UTF-8 writes with that many continuation bytes.</summary>
    public static int FloorOf(int continuations) => continuations switch { 0 => 0, 1 => 0x80, 2 => 0x800, _ => 0x10000 };

    /// <summary>Whether the whole text is accepted.</summary>
    public bool Matches(string text)
    {
        int state = Start;
        foreach (var rune in text.EnumerateRunes())
            if ((state = Step(state, rune.Value)) < 0) return false;
        return IsAccepting(state);
    }

    int IntervalOf(int codePoint)
    {
        int index = Array.BinarySearch(_intervalStarts, codePoint);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>Automata built lately, by pattern text: the formats' patterns, and the same tools and schemas sent with request after request.</summary>
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, PatternAutomaton> Built = new();
    const int MaxBuilt = 256;

    /// <summary>The automaton of a pattern's text (see <see cref="RegexParser"/>), built once and kept while few are.</summary>
    /// <exception cref="ArgumentException">Not a valid regular expression.</exception>
    /// <exception cref="NotSupportedException">A construct not held, an automaton past the limits, or one that matches nothing.</exception>
    public static PatternAutomaton ForPattern(string pattern)
    {
        if (Built.TryGetValue(pattern, out var known)) return known;
        var automaton = Build(RegexParser.Parse(pattern)); // microseconds to ~10 ms (a date-time)
        if (Built.Count >= MaxBuilt) Built.Clear();
        Built[pattern] = automaton;
        return automaton;
    }

    /// <summary>The automaton of a pattern tree.</summary>
    /// <exception cref="NotSupportedException">It would be larger than the limits, or no string matches it.</exception>
    public static PatternAutomaton Build(RegexNode pattern)
    {
        var (intervalStarts, next, accepting) = PatternDeterminizer.Determinize(PatternNfa.From(pattern));
        return new PatternAutomaton(intervalStarts, next, accepting).Trimmed();
    }

    /// <summary>
    /// This automaton with strings of minLength to maxLength code points only: the product with a counter (which stops
    /// at minLength when there is no maximum).
    /// </summary>
    public PatternAutomaton WithLengths(int minLength, int maxLength)
    {
        var (shortest, longest) = AcceptedLengths();
        if (shortest >= minLength && longest <= maxLength) return this; // the pattern keeps the bounds itself (a date's 10 characters)
        bool bounded = maxLength != int.MaxValue;
        int cap = bounded ? maxLength : minLength;
        var index = new Dictionary<(int State, int Length), int> { [(Start, 0)] = 0 };
        var order = new List<(int State, int Length)> { (Start, 0) };
        var next = new List<int>();
        for (int i = 0; i < order.Count; i++)
        {
            var (state, length) = order[i];
            for (int interval = 0; interval < Intervals; interval++)
            {
                int target = _next[state * Intervals + interval];
                int targetLength = bounded ? length + 1 : Math.Min(length + 1, cap);
                if (target < 0 || targetLength > cap) { next.Add(-1); continue; }
                if (!index.TryGetValue((target, targetLength), out int id))
                {
                    id = index[(target, targetLength)] = order.Count;
                    order.Add((target, targetLength));
                    CheckSize(order.Count);
                }
                next.Add(id);
            }
        }
        bool[] accepting = [.. order.Select(pair => _accepting[pair.State] && pair.Length >= minLength)];
        return new PatternAutomaton(_intervalStarts, [.. next], accepting).Trimmed();
    }

    /// <summary>
    /// The shortest and longest strings accepted, in characters (longest <see cref="int.MaxValue"/> where a loop makes
    /// them unbounded: every state kept can reach a match, so any loop can).
    /// </summary>
    (int Shortest, int Longest) AcceptedLengths()
    {
        // Breadth first from the start: the first accepting state met is the shortest match.
        var depth = new int[StateCount];
        Array.Fill(depth, -1);
        depth[Start] = 0;
        var order = new List<int> { Start };
        for (int i = 0; i < order.Count; i++)
            for (int k = 0; k < Intervals; k++)
                if (_next[order[i] * Intervals + k] is var t and >= 0 && depth[t] < 0) { depth[t] = depth[order[i]] + 1; order.Add(t); }
        int shortest = order.Where(IsAccepting).Min(s => depth[s]);

        // Longest: over the states in an order where each comes after every state leading to it, if there is one (no loop).
        var incoming = new int[StateCount];
        for (int s = 0; s < StateCount; s++)
            foreach (int t in Targets(s)) incoming[t]++;
        var ready = new Stack<int>([Start]);
        var longestTo = new int[StateCount];
        int done = 0, longest = 0;
        while (ready.TryPop(out int s))
        {
            done++;
            if (IsAccepting(s)) longest = Math.Max(longest, longestTo[s]);
            foreach (int t in Targets(s))
            {
                longestTo[t] = Math.Max(longestTo[t], longestTo[s] + 1);
                if (--incoming[t] == 0) ready.Push(t);
            }
        }
        return (shortest, done == StateCount ? longest : int.MaxValue);
    }

    /// <summary>The states one character leads to from s, each once per interval that leads there.</summary>
    IEnumerable<int> Targets(int s)
    {
        for (int k = 0; k < Intervals; k++)
            if (_next[s * Intervals + k] is var t and >= 0) yield return t;
    }

    /// <summary>Only the states reachable from the start that can reach an accepting state, the start first.</summary>
    PatternAutomaton Trimmed()
    {
        int count = StateCount;
        var predecessors = new List<int>[count];
        for (int s = 0; s < count; s++) predecessors[s] = [];
        for (int s = 0; s < count; s++)
            for (int k = 0; k < Intervals; k++)
                if (_next[s * Intervals + k] is var t and >= 0) predecessors[t].Add(s);

        var live = new bool[count];
        var pending = new Stack<int>();
        for (int s = 0; s < count; s++)
            if (_accepting[s]) { live[s] = true; pending.Push(s); }
        while (pending.TryPop(out int s))
            foreach (int p in predecessors[s])
                if (!live[p]) { live[p] = true; pending.Push(p); }
        if (!live[Start]) throw new NotSupportedException("matches no string (with the schema's length bounds, if any)");

        // Renumber the live states in the order the start reaches them.
        var renumbered = new int[count];
        Array.Fill(renumbered, -1);
        var order = new List<int> { Start };
        renumbered[Start] = 0;
        for (int i = 0; i < order.Count; i++)
            for (int k = 0; k < Intervals; k++)
                if (_next[order[i] * Intervals + k] is var t and >= 0 && live[t] && renumbered[t] < 0)
                {
                    renumbered[t] = order.Count;
                    order.Add(t);
                }
        var next = new int[order.Count * Intervals];
        for (int i = 0; i < order.Count; i++)
            for (int k = 0; k < Intervals; k++)
                next[i * Intervals + k] = _next[order[i] * Intervals + k] is var t and >= 0 ? renumbered[t] : -1;
        return new PatternAutomaton(_intervalStarts, next, [.. order.Select(s => _accepting[s])]);
    }

    void CheckSize(int states) => CheckSize(states, Intervals);

    /// <exception cref="NotSupportedException">Past <see cref="MaxStates"/> or <see cref="MaxTableEntries"/>.</exception>
    internal static void CheckSize(int states, int intervals)
    {
        if (states > MaxStates || (long)states * intervals > MaxTableEntries)
            throw new NotSupportedException($"needs more than {MaxStates} automaton states or {MaxTableEntries} transitions (shorten its counted repeats or length bounds)");
    }
}
