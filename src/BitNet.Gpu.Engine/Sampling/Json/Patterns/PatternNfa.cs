namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// A nondeterministic automaton made from a <see cref="RegexNode"/> by Thompson's construction: each part of the tree
/// becomes a fragment with one entry and one exit; counted repeats are copied out. Tests that read nothing are edges
/// that read nothing either, each followed only where its test holds: '^' before any character, '$' at the end, and a
/// lookahead, which sets its body (a fragment of its own, entered nowhere else) to run beside the rest.
/// <see cref="PatternDeterminizer"/> turns it into a deterministic one.
/// </summary>
internal sealed class PatternNfa
{
    /// <summary>States at most: a pattern's counted repeats multiply its size.</summary>
    public const int MaxStates = 20_000;

    readonly List<List<int>> _empty = [];                             // ε-edges per state
    readonly List<List<(CodePointSet Set, int Target)>> _moves = []; // character edges per state
    readonly List<List<int>> _atStart = [], _atEnd = [];             // '^' and '$' edges per state
    readonly List<List<(int Lookahead, int Target)>> _lookaheadEdges = [];
    readonly List<(int Start, int Accept, bool Negated)> _lookaheads = [];

    public int Start { get; }
    public int Accept { get; }
    public int Count => _empty.Count;

    PatternNfa(RegexNode node)
    {
        (Start, Accept) = Build(node);
    }

    /// <exception cref="NotSupportedException">The pattern needs more than <see cref="MaxStates"/> states.</exception>
    public static PatternNfa From(RegexNode node) => new(node);

    public IReadOnlyList<int> EmptyEdges(int state) => _empty[state];
    public IReadOnlyList<(CodePointSet Set, int Target)> Moves(int state) => _moves[state];

    /// <summary>Edges followed only before any character ('^').</summary>
    public IReadOnlyList<int> StartEdges(int state) => _atStart[state];

    /// <summary>Edges followed only at the end of the string ('$').</summary>
    public IReadOnlyList<int> EndEdges(int state) => _atEnd[state];

    /// <summary>Edges that set a lookahead (by its index) running as they are followed.</summary>
    public IReadOnlyList<(int Lookahead, int Target)> LookaheadEdges(int state) => _lookaheadEdges[state];

    /// <summary>Each lookahead's body: its entry and exit, and whether a match of it fails the test.</summary>
    public IReadOnlyList<(int Start, int Accept, bool Negated)> Lookaheads => _lookaheads;

    /// <summary>Every set on an edge: the automaton's alphabet is cut where any of them begins or ends.</summary>
    public IEnumerable<CodePointSet> Sets => _moves.SelectMany(edges => edges.Select(edge => edge.Set));

    (int Entry, int Exit) Build(RegexNode node)
    {
        switch (node)
        {
            case RegexNode.Characters characters:
            {
                int entry = NewState(), exit = NewState();
                _moves[entry].Add((characters.Set, exit));
                return (entry, exit);
            }
            case RegexNode.Sequence sequence:
            {
                int entry = NewState(), exit = entry;
                foreach (var part in sequence.Parts) exit = Then(exit, part);
                return (entry, exit);
            }
            case RegexNode.Choice choice:
            {
                int entry = NewState(), exit = NewState();
                foreach (var option in choice.Choices)
                {
                    var (from, to) = Build(option);
                    _empty[entry].Add(from);
                    _empty[to].Add(exit);
                }
                return (entry, exit);
            }
            case RegexNode.Repeat repeat:
                return BuildRepeat(repeat);
            case RegexNode.Anchor anchor:
            {
                int entry = NewState(), exit = NewState();
                (anchor.AtStart ? _atStart : _atEnd)[entry].Add(exit);
                return (entry, exit);
            }
            case RegexNode.Lookahead lookahead:
            {
                int entry = NewState(), exit = NewState();
                var (start, accept) = Build(lookahead.Body);
                _lookaheadEdges[entry].Add((_lookaheads.Count, exit));
                _lookaheads.Add((start, accept, lookahead.Negated));
                return (entry, exit);
            }
            default:
                throw new ArgumentException($"unknown regex node {node.GetType().Name}", nameof(node));
        }
    }

    /// <summary>body{min,max}: min copies in a row, then either a loop (no max) or max − min copies each of which may be skipped to the end.</summary>
    (int, int) BuildRepeat(RegexNode.Repeat repeat)
    {
        int entry = NewState(), exit = entry;
        for (int i = 0; i < repeat.Min; i++) exit = Then(exit, repeat.Body);
        if (repeat.Max is not { } max)
        {
            var (from, to) = Build(repeat.Body);
            _empty[exit].Add(from);
            _empty[to].Add(exit);
            return (entry, exit);
        }
        int end = NewState();
        for (int i = repeat.Min; i < max; i++)
        {
            _empty[exit].Add(end);
            exit = Then(exit, repeat.Body);
        }
        _empty[exit].Add(end);
        return (entry, end);
    }

    /// <summary>Builds the part after state from; returns the part's exit.</summary>
    int Then(int from, RegexNode part)
    {
        var (entry, exit) = Build(part);
        _empty[from].Add(entry);
        return exit;
    }

    int NewState()
    {
        if (_empty.Count >= MaxStates) throw new NotSupportedException($"needs more than {MaxStates} automaton states (shorten its counted repeats)");
        _empty.Add([]);
        _moves.Add([]);
        _atStart.Add([]);
        _atEnd.Add([]);
        _lookaheadEdges.Add([]);
        return _empty.Count - 1;
    }
}
