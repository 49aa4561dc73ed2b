namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// One symbol of a grammar alternative: a set of characters (code points) or a reference to a rule. A character set is
/// its sorted, merged ranges, or their complement.
/// </summary>
internal sealed class GrammarSymbol
{
    GrammarSymbol(int rule, (int First, int Last)[] ranges, bool negated) => (Rule, Ranges, Negated) = (rule, ranges, negated);

    /// <summary>The referenced rule's index; −1 for a character set.</summary>
    public int Rule { get; }

    /// <summary>Inclusive code point ranges, sorted and disjoint (empty for a rule reference).</summary>
    public (int First, int Last)[] Ranges { get; }

    /// <summary>The set is every code point outside <see cref="Ranges"/>.</summary>
    public bool Negated { get; }

    public bool IsCharacters => Rule < 0;

    public static GrammarSymbol Reference(int rule) => new(rule, [], false);

    public static GrammarSymbol Characters(IEnumerable<(int First, int Last)> ranges, bool negated) => new(-1, Merge(ranges), negated);

    /// <summary>Whether the set holds <paramref name="codePoint"/>.</summary>
    public bool Matches(int codePoint) => Covered(codePoint, codePoint) != Negated;

    /// <summary>Whether the set holds some code point in [first, last] (a character whose first bytes are known).</summary>
    public bool MatchesSomeOf(int first, int last) =>
        Negated ? !Covered(first, last) : Ranges.Any(r => r.First <= last && r.Last >= first);

    /// <summary>Whether the ranges cover all of [first, last].</summary>
    bool Covered(int first, int last)
    {
        foreach (var (lo, hi) in Ranges)
        {
            if (lo > first) return false; // sorted and merged: a gap before this range
            if (hi >= first) first = hi + 1;
            if (first > last) return true;
        }
        return false;
    }

    static (int First, int Last)[] Merge(IEnumerable<(int First, int Last)> ranges)
    {
        var merged = new List<(int First, int Last)>();
        foreach (var (first, last) in ranges.Where(r => r.First <= r.Last).OrderBy(r => r.First))
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1) merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, last));
            else merged.Add((first, last));
        }
        return [.. merged];
    }
}
