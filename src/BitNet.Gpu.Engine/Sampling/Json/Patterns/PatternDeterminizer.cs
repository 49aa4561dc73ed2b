namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// The subset construction, with the tests a pattern's automaton may hold. A deterministic state is the set of
/// configurations the text so far can be in: an NFA state, with the lookaheads started on the way there and not yet
/// settled, each running beside as the set of NFA states of its body. A positive lookahead is settled once its body has
/// matched and fails its configuration once the body can match no more; a negative one the other way round; one whose
/// body ends in '$' is settled at the end. '^' edges are followed only before the first character, '$' edges only
/// where a state is asked whether the text may end there. Without lookaheads a configuration is an NFA state alone,
/// and this is the textbook construction.
/// </summary>
internal sealed class PatternDeterminizer
{
    readonly PatternNfa _nfa;
    readonly int[] _starts;                                   // the alphabet's intervals, by first code point
    readonly List<(int First, int Last, int Target)>[] _moves; // each NFA state's character edges, by interval
    readonly bool[] _canMatchLater;                           // whether the pattern's exit is reachable from a state without a '^' edge

    // Sets of lookaheads still running: sorted (lookahead, body state set) pairs, interned; 0 is the empty set.
    readonly Dictionary<string, int> _bodySetIds = [];
    readonly List<int[]> _bodySets = [];
    readonly Dictionary<string, int> _runningIds = new() { [""] = 0 };
    readonly List<(int Lookahead, int BodySet)[]> _running = [[]];
    readonly Dictionary<(int Running, int Interval), int> _steppedRunning = [];
    const int Failed = -1;

    long _work;

    PatternDeterminizer(PatternNfa nfa)
    {
        _nfa = nfa;
        _starts = [.. nfa.Sets.SelectMany(set => set.Ranges.SelectMany(r => (int[])[r.First, r.Last + 1]))
            .Append(0).Where(point => point <= CodePointSet.MaxCodePoint).Distinct().Order()];
        _moves = new List<(int, int, int)>[nfa.Count];
        for (int state = 0; state < nfa.Count; state++)
        {
            _moves[state] = [];
            foreach (var (set, target) in nfa.Moves(state))
                foreach (var (first, last) in set.Ranges)
                    _moves[state].Add((Array.BinarySearch(_starts, first), IntervalOf(last), target));
        }
        _canMatchLater = ReachingTheExitWithoutStartEdges();
    }

    /// <summary>
    /// The states from which the exit can be reached without a '^' edge: after the first character only these count
    /// (the any-text loop before an anchored pattern is kept out of every later state).
    /// </summary>
    bool[] ReachingTheExitWithoutStartEdges()
    {
        var leadingTo = new List<int>[_nfa.Count];
        for (int state = 0; state < _nfa.Count; state++) leadingTo[state] = [];
        for (int state = 0; state < _nfa.Count; state++)
        {
            foreach (int target in _nfa.EmptyEdges(state)) leadingTo[target].Add(state);
            foreach (int target in _nfa.EndEdges(state)) leadingTo[target].Add(state);
            foreach (var (_, target) in _nfa.LookaheadEdges(state)) leadingTo[target].Add(state);
            foreach (var (_, _, target) in _moves[state]) leadingTo[target].Add(state);
        }
        var reaching = new bool[_nfa.Count];
        var pending = new Stack<int>([_nfa.Accept]);
        reaching[_nfa.Accept] = true;
        while (pending.TryPop(out int state))
            foreach (int source in leadingTo[state])
                if (!reaching[source]) { reaching[source] = true; pending.Push(source); }
        return reaching;
    }

    /// <summary>The deterministic automaton's alphabet, transitions ([state · intervals + interval] → state or −1) and accepting states; state 0 is the start.</summary>
    /// <exception cref="NotSupportedException">Past <see cref="PatternAutomaton.MaxBuildWork"/> or the automaton's size limits.</exception>
    public static (int[] IntervalStarts, int[] Next, bool[] Accepting) Determinize(PatternNfa nfa) => new PatternDeterminizer(nfa).Run();

    // A configuration: an NFA state (high 32 bits) and the set of lookaheads still running beside it (low 32 bits).
    static long Configuration(int state, int running) => (long)state << 32 | (uint)running;
    static int StateOf(long configuration) => (int)(configuration >> 32);
    static int RunningOf(long configuration) => (int)configuration;

    (int[], int[], bool[]) Run()
    {
        int intervals = _starts.Length;
        var index = new Dictionary<string, int>();
        var order = new List<long[]>();
        int Intern(long[] configurations, bool start)
        {
            // The start is its own state: '^' holds there alone, so a later set that looks the same may end differently.
            string key = (start ? "^" : "") + string.Join(',', configurations);
            if (index.TryGetValue(key, out int id)) return id;
            index[key] = order.Count;
            order.Add(configurations);
            PatternAutomaton.CheckSize(order.Count, intervals);
            return order.Count - 1;
        }

        Intern(Closure([Configuration(_nfa.Start, 0)], atStart: true), start: true);
        var next = new List<int>();
        var seeds = new List<long>[intervals];
        for (int k = 0; k < intervals; k++) seeds[k] = [];
        for (int i = 0; i < order.Count; i++)
        {
            foreach (var bucket in seeds) bucket.Clear();
            foreach (long configuration in order[i])
                foreach (var (first, last, target) in _moves[StateOf(configuration)])
                {
                    if (!_canMatchLater[target]) continue;
                    for (int k = first; k <= last; k++)
                        if (StepRunning(RunningOf(configuration), k) is var running and not Failed) seeds[k].Add(Configuration(target, running));
                }
            for (int k = 0; k < intervals; k++)
                next.Add(seeds[k].Count == 0 ? -1 : Intern(Closure(seeds[k], atStart: false), start: false));
        }
        bool[] accepting = [.. order.Select((configurations, i) => configurations.Any(c => CanEnd(c, atStart: i == 0)))];
        return (_starts, [.. next], accepting);
    }

    /// <summary>
    /// The configurations the seeds reach without reading: ε-edges, '^' edges at the start, and lookaheads started (or
    /// settled at once). After the start, states that can reach the exit only through a '^' edge are left out.
    /// </summary>
    long[] Closure(IEnumerable<long> seeds, bool atStart)
    {
        var closure = new HashSet<long>();
        var pending = new Stack<long>(seeds);
        while (pending.TryPop(out long configuration))
        {
            if (!closure.Add(configuration)) continue;
            if (++_work > PatternAutomaton.MaxBuildWork)
                throw new NotSupportedException($"needs more than {PatternAutomaton.MaxBuildWork} steps to build its automaton (its repeats make too many states to follow at once)");
            int state = StateOf(configuration), running = RunningOf(configuration);
            foreach (int target in _nfa.EmptyEdges(state)) Follow(target, running);
            if (atStart) foreach (int target in _nfa.StartEdges(state)) Follow(target, running);
            foreach (var (lookahead, target) in _nfa.LookaheadEdges(state))
                if (Begin(running, lookahead, atStart) is var after and not Failed) Follow(target, after);
        }
        var sorted = closure.ToArray();
        Array.Sort(sorted);
        return sorted;

        void Follow(int target, int running)
        {
            if (atStart || _canMatchLater[target]) pending.Push(Configuration(target, running));
        }
    }

    /// <summary>The running set with a lookahead begun here.</summary>
    int Begin(int running, int lookahead, bool atStart) => Settle(running, lookahead, BodyClosure([_nfa.Lookaheads[lookahead].Start], atStart, atEnd: false));

    /// <summary>
    /// The running set with a lookahead's body now in these states: settled and left out where its body has matched
    /// (positive) or can match no more (negative), <see cref="Failed"/> the other way round, else kept running.
    /// </summary>
    int Settle(int running, int lookahead, int[] body)
    {
        var (_, accept, negated) = _nfa.Lookaheads[lookahead];
        if (Array.BinarySearch(body, accept) >= 0) return negated ? Failed : running;
        if (body.Length == 0) return negated ? running : Failed;
        var entries = _running[running].Append((lookahead, InternBody(body))).Distinct().Order().ToArray();
        string key = string.Join(';', entries.Select(e => $"{e.Item1},{e.Item2}"));
        if (_runningIds.TryGetValue(key, out int id)) return id;
        _runningIds[key] = _running.Count;
        _running.Add(entries);
        return _running.Count - 1;
    }

    /// <summary>Each running lookahead's body one character (of interval k) on.</summary>
    int StepRunning(int running, int k)
    {
        if (running == 0) return 0;
        if (_steppedRunning.TryGetValue((running, k), out int known)) return known;
        int after = 0;
        foreach (var (lookahead, bodySet) in _running[running])
        {
            var targets = _bodySets[bodySet].SelectMany(state => _moves[state]).Where(m => m.First <= k && k <= m.Last).Select(m => m.Target);
            after = Settle(after, lookahead, BodyClosure(targets, atStart: false, atEnd: false));
            if (after == Failed) break;
        }
        return _steppedRunning[(running, k)] = after;
    }

    /// <summary>A lookahead body's states reached without reading (its own lookaheads are refused by the parser).</summary>
    int[] BodyClosure(IEnumerable<int> states, bool atStart, bool atEnd)
    {
        var closure = new HashSet<int>();
        var pending = new Stack<int>(states);
        while (pending.TryPop(out int state))
        {
            if (!closure.Add(state)) continue;
            foreach (int target in _nfa.EmptyEdges(state)) pending.Push(target);
            if (atStart) foreach (int target in _nfa.StartEdges(state)) pending.Push(target);
            if (atEnd) foreach (int target in _nfa.EndEdges(state)) pending.Push(target);
        }
        return [.. closure.Order()];
    }

    int InternBody(int[] states)
    {
        string key = string.Join(',', states);
        if (_bodySetIds.TryGetValue(key, out int id)) return id;
        _bodySetIds[key] = _bodySets.Count;
        _bodySets.Add(states);
        return _bodySets.Count - 1;
    }

    /// <summary>Whether the text may end in this configuration: the pattern's exit reached without reading ('$' holding now), with every lookahead settled well.</summary>
    bool CanEnd(long start, bool atStart)
    {
        var seen = new HashSet<long>();
        var pending = new Stack<long>([start]);
        while (pending.TryPop(out long configuration))
        {
            if (!seen.Add(configuration)) continue;
            int state = StateOf(configuration), running = RunningOf(configuration);
            if (state == _nfa.Accept && RunningHoldsAtEnd(running, atStart)) return true;
            foreach (int target in _nfa.EmptyEdges(state)) pending.Push(Configuration(target, running));
            foreach (int target in _nfa.EndEdges(state)) pending.Push(Configuration(target, running));
            if (atStart) foreach (int target in _nfa.StartEdges(state)) pending.Push(Configuration(target, running));
            foreach (var (lookahead, target) in _nfa.LookaheadEdges(state))
                if (Begin(running, lookahead, atStart) is var after and not Failed) pending.Push(Configuration(target, after));
        }
        return false;
    }

    /// <summary>At the end of the text: every running positive lookahead's body matches the empty rest, no negative one's does.</summary>
    bool RunningHoldsAtEnd(int running, bool atStart)
    {
        foreach (var (lookahead, bodySet) in _running[running])
        {
            var (_, accept, negated) = _nfa.Lookaheads[lookahead];
            bool matches = Array.BinarySearch(BodyClosure(_bodySets[bodySet], atStart, atEnd: true), accept) >= 0;
            if (matches == negated) return false;
        }
        return true;
    }

    int IntervalOf(int codePoint)
    {
        int index = Array.BinarySearch(_starts, codePoint);
        return index >= 0 ? index : ~index - 1;
    }
}
