namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// A set of Unicode code points as sorted, disjoint, non-adjacent ranges: what one position of a pattern matches.
/// Surrogates (U+D800–U+DFFF) are never members: they are not characters a JSON string can hold.
/// </summary>
internal sealed class CodePointSet
{
    public const int MaxCodePoint = 0x10FFFF;
    const int SurrogateFirst = 0xD800, SurrogateLast = 0xDFFF;

    /// <summary>The ranges, inclusive, in order.</summary>
    public readonly (int First, int Last)[] Ranges;

    CodePointSet((int First, int Last)[] ranges) => Ranges = ranges;

    public static readonly CodePointSet Empty = new([]);
    public static readonly CodePointSet All = Of((0, MaxCodePoint));
    public static readonly CodePointSet Digits = Of(('0', '9'));
    public static readonly CodePointSet WordCharacters = Of(('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'));
    /// <summary>ECMAScript's \s: its WhiteSpace and LineTerminator characters.</summary>
    public static readonly CodePointSet Whitespace = Of(('\t', '\r'), (' ', ' '), (0xA0, 0xA0), (0x1680, 0x1680),
        (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF));
    /// <summary>What '.' matches: anything but a line terminator.</summary>
    public static readonly CodePointSet AnyButNewline = Of(('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)).Complement();

    public bool IsEmpty => Ranges.Length == 0;

    public static CodePointSet Single(int codePoint) => Of((codePoint, codePoint));

    /// <summary>The union of the ranges given in any order, overlapping or not.</summary>
    public static CodePointSet Of(params (int First, int Last)[] ranges)
    {
        var sorted = ranges.Where(r => r.First <= r.Last).OrderBy(r => r.First).ToList();
        var merged = new List<(int First, int Last)>();
        foreach (var (first, last) in sorted)
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1)
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, last));
            else merged.Add((first, last));
        }
        return new CodePointSet(WithoutSurrogates(merged));
    }

    public CodePointSet Union(CodePointSet other) => Of([.. Ranges, .. other.Ranges]);

    public CodePointSet Complement()
    {
        var gaps = new List<(int, int)>();
        int next = 0;
        foreach (var (first, last) in Ranges)
        {
            if (first > next) gaps.Add((next, first - 1));
            next = last + 1;
        }
        if (next <= MaxCodePoint) gaps.Add((next, MaxCodePoint));
        return Of([.. gaps]);
    }

    public bool Contains(int codePoint)
    {
        int low = 0, high = Ranges.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) >> 1;
            if (codePoint < Ranges[middle].First) high = middle - 1;
            else if (codePoint > Ranges[middle].Last) low = middle + 1;
            else return true;
        }
        return false;
    }

    static (int, int)[] WithoutSurrogates(List<(int First, int Last)> ranges)
    {
        var result = new List<(int, int)>(ranges.Count + 1);
        foreach (var (first, last) in ranges)
        {
            if (last < SurrogateFirst || first > SurrogateLast) { result.Add((first, last)); continue; }
            if (first < SurrogateFirst) result.Add((first, SurrogateFirst - 1));
            if (last > SurrogateLast) result.Add((SurrogateLast + 1, last));
        }
        return [.. result];
    }
}
