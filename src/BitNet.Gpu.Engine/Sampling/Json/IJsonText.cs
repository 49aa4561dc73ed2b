namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// A JSON text read one byte at a time, as <see cref="JsonConstraint"/> masks tokens by it: a value type, so a copy is a
/// snapshot to try a candidate token on.
/// </summary>
internal interface IJsonText
{
    /// <summary>Reads one byte; false (and the state is then undefined: use a copy) when the text can no longer be valid.</summary>
    bool Push(byte b);

    /// <summary>Whether the bytes can follow the text read so far; the text itself is left as it is.</summary>
    bool Takes(ReadOnlySpan<byte> bytes);

    /// <summary>True once the text is complete: nothing but the end of generation may follow.</summary>
    bool IsComplete { get; }

    /// <summary>Whether the end of generation may come here; a JSON text ends only once complete, a grammar's where
    /// <c>root</c> can end (and more text may still follow).</summary>
    bool MayEnd => IsComplete;

    /// <summary>
    /// Inside a string that takes any text: how many more characters of plain text (no quote, backslash or control byte)
    /// it takes (<see cref="int.MaxValue"/> where unbounded); −1 elsewhere.
    /// </summary>
    int PlainTextRoom { get; }

    /// <summary>
    /// Inside a string held to a pattern, between characters: its automaton and state, as plain text (see
    /// <see cref="PlainTextRoom"/>) is taken exactly where the automaton takes its characters; null elsewhere.
    /// </summary>
    (Patterns.PatternAutomaton Automaton, int State)? PlainTextPattern { get; }

    /// <summary><see cref="Takes"/> for a text whose copy is a snapshot: the bytes pushed on a copy.</summary>
    static bool PushedOnACopy<TText>(TText copy, ReadOnlySpan<byte> bytes) where TText : struct, IJsonText
    {
        foreach (byte b in bytes)
            if (!copy.Push(b)) return false;
        return true;
    }
}
