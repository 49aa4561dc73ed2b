namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>A regular expression as a tree: what <see cref="RegexParser"/> reads and <see cref="PatternAutomaton"/> builds from.</summary>
internal abstract record RegexNode
{
    /// <summary>One character from a set.</summary>
    public sealed record Characters(CodePointSet Set) : RegexNode;

    /// <summary>The parts one after the other (none: the empty string).</summary>
    public sealed record Sequence(RegexNode[] Parts) : RegexNode;

    /// <summary>Any one of the choices.</summary>
    public sealed record Choice(RegexNode[] Choices) : RegexNode;

    /// <summary>The body from Min to Max times (Max null: without bound).</summary>
    public sealed record Repeat(RegexNode Body, int Min, int? Max) : RegexNode;

    /// <summary>A test that reads nothing: '^' (nothing read before it) or '$' (nothing left after it).</summary>
    public sealed record Anchor(bool AtStart) : RegexNode;

    /// <summary>(?=Body) or, negated, (?!Body): a test that reads nothing: the rest of the string starts (does not start) with a match of Body.</summary>
    public sealed record Lookahead(RegexNode Body, bool Negated) : RegexNode;

    public static readonly RegexNode Nothing = new Sequence([]);

    /// <summary>[\s\S]*: what an unanchored end of a pattern allows.</summary>
    public static readonly RegexNode AnyText = new Repeat(new Characters(CodePointSet.All), 0, null);
}
