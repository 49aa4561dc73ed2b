namespace BitNet.Gpu.Engine.Sampling;

/// <summary>The token ids that end a generation (end-of-sequence, end-of-turn, ...).</summary>
public sealed class EndOfGenerationTokens
{
    private readonly HashSet<int> _tokens;

    public EndOfGenerationTokens(IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = [.. tokens];
        foreach (int token in _tokens)
            ArgumentOutOfRangeException.ThrowIfNegative(token, nameof(tokens));
    }

    public IReadOnlyCollection<int> Tokens => _tokens;

    public bool IsEndOfGeneration(int token) => _tokens.Contains(token);
}
