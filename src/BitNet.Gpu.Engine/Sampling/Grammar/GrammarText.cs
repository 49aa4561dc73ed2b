namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Text held to a grammar, read one byte at a time for <see cref="JsonConstraint"/>'s mask (a copy is a snapshot: it
/// only points at an immutable <see cref="GrammarMatcher.State"/>).
/// </summary>
internal struct GrammarText(GrammarMatcher matcher) : IJsonText
{
    GrammarMatcher.State _state = matcher.Start;

    public bool Push(byte b)
    {
        var next = matcher.Next(_state, b);
        if (next is null) return false;
        _state = next;
        return true;
    }

    public readonly bool Takes(ReadOnlySpan<byte> bytes)
    {
        GrammarMatcher.State? state = _state;
        foreach (byte b in bytes)
        {
            state = matcher.Next(state, b);
            if (state is null) return false;
        }
        return true;
    }

    /// <summary>Every parse has ended: only the end of generation can follow.</summary>
    public readonly bool IsComplete => _state.IsComplete;

    /// <summary><c>root</c> may end here (more text may still follow).</summary>
    public readonly bool MayEnd => _state.MayEnd;

    public readonly int PlainTextRoom => -1;

    public readonly (Patterns.PatternAutomaton Automaton, int State)? PlainTextPattern => null;
}
