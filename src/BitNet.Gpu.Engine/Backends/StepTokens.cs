namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// The tokens of one forward step and where each goes: token t is <see cref="Tokens"/>[t], at position
/// <see cref="Positions"/>[t] of sequence (KV cache slot) <see cref="Sequences"/>[t]. One step may carry a prompt
/// chunk of one sequence and the next token of others (continuous batching); a sequence's tokens are consecutive
/// positions in order.
/// </summary>
public readonly ref struct StepTokens
{
    public StepTokens(ReadOnlySpan<int> tokens, ReadOnlySpan<int> sequences, ReadOnlySpan<int> positions)
    {
        if (sequences.Length != tokens.Length || positions.Length != tokens.Length)
            throw new ArgumentException($"a step needs one sequence and one position per token: {tokens.Length} tokens, {sequences.Length} sequences, {positions.Length} positions");
        Tokens = tokens;
        Sequences = sequences;
        Positions = positions;
    }

    public ReadOnlySpan<int> Tokens { get; }
    public ReadOnlySpan<int> Sequences { get; }
    public ReadOnlySpan<int> Positions { get; }
    public int Count => Tokens.Length;

    /// <summary>Tokens of sequence 0 at positions start, start + 1, ...</summary>
    public static StepTokens Consecutive(ReadOnlySpan<int> tokens, int startPosition)
    {
        if (startPosition < 0) throw new ArgumentOutOfRangeException(nameof(startPosition), startPosition, "positions start at 0");
        var positions = new int[tokens.Length];
        for (int t = 0; t < positions.Length; t++) positions[t] = startPosition + t;
        return new StepTokens(tokens, new int[tokens.Length], positions);
    }

    /// <summary>The runs of the step: maximal ranges of tokens of one sequence (first token index, count).</summary>
    public List<(int First, int Count)> Runs()
    {
        var runs = new List<(int, int)>();
        for (int t = 0; t < Count;)
        {
            int end = t + 1;
            while (end < Count && Sequences[end] == Sequences[t] && Positions[end] == Positions[end - 1] + 1) end++;
            runs.Add((t, end - t));
            t = end;
        }
        return runs;
    }
}
