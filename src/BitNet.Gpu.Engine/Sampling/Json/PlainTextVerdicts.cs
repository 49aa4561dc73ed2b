using BitNet.Gpu.Engine.Sampling.Patterns;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Which tokens of plain string text each state of a string's pattern takes, kept for the states the text comes back
/// to. A pattern that allows many characters (<c>^[^&lt;&gt;]*$</c>, an e-mail address) leaves most of a large
/// vocabulary open, and reading each token's bytes on the text's state costs ~20 ms a step over Llama 3's 128k tokens;
/// a state met a second time is likely met again, so its verdicts are worked out once, over the automaton alone. A state
/// met once (each character of a date, say, where the first byte already settles most tokens) is not worth it.
/// One per request, as the constraint that holds it.
/// </summary>
internal sealed class PlainTextVerdicts(byte[]?[] tokenBytes, bool[] plainStringText)
{
    /// <summary>States kept per request, at one bool per token each (128 KB for Llama 3).</summary>
    public const int MaxStates = 64;

    readonly Dictionary<(PatternAutomaton Automaton, int State), bool[]?> _byState = [];

    /// <summary>Token t is taken where verdicts[t]; null where the state has not been met before (or too many are kept).</summary>
    public bool[]? For(PatternAutomaton automaton, int state)
    {
        if (!_byState.TryGetValue((automaton, state), out var verdicts))
        {
            if (_byState.Count < 2 * MaxStates) _byState[(automaton, state)] = null; // met once
            return null;
        }
        if (verdicts is null && _byState.Values.Count(v => v is not null) < MaxStates)
            _byState[(automaton, state)] = verdicts = Work(automaton, state);
        return verdicts;
    }

    bool[] Work(PatternAutomaton automaton, int state)
    {
        var verdicts = new bool[tokenBytes.Length];
        for (int token = 0; token < verdicts.Length; token++)
            verdicts[token] = plainStringText[token] && automaton.TakesText(state, tokenBytes[token]);
        return verdicts;
    }
}
