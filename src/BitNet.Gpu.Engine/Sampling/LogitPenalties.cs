namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Repetition, frequency and presence penalties with llama.cpp's semantics, applied in place to the sampler's
/// own copy of the logits. Only tokens seen in the window are touched, so the cost is O(window), not O(vocab).
/// </summary>
internal sealed class LogitPenalties
{
    private readonly float _repeat, _frequency, _presence;
    private readonly int _window;
    private readonly int[] _countByToken; // vocab; all zero between calls

    public LogitPenalties(SamplerOptions options, int vocabSize)
    {
        _repeat = options.RepeatPenalty;
        _frequency = options.FrequencyPenalty;
        _presence = options.PresencePenalty;
        _window = options.PenaltyWindow;
        IsActive = _window > 0 && (_repeat != 1f || _frequency != 0f || _presence != 0f);
        _countByToken = IsActive ? new int[vocabSize] : [];
    }

    public bool IsActive { get; }

    /// <summary>The recent tokens the penalties look at: the last PenaltyWindow of them.</summary>
    public ReadOnlySpan<int> Window(ReadOnlySpan<int> recentTokens) =>
        recentTokens.Length > _window ? recentTokens[^_window..] : recentTokens;

    // For a token seen count > 0 times in the window:
    //   logit = logit <= 0 ? logit × repeat : logit / repeat;  logit -= count × frequency + presence
    public void Apply(Span<float> logits, ReadOnlySpan<int> recentTokens)
    {
        if (!IsActive) return;
        var window = Window(recentTokens);
        foreach (int token in window)
        {
            if ((uint)token >= (uint)logits.Length)
                throw new ArgumentOutOfRangeException(nameof(recentTokens), token, $"recent token id must be in [0, {logits.Length})");
        }

        foreach (int token in window) _countByToken[token]++;

        // Second pass visits each distinct token once: it applies the penalty and clears the count behind it.
        foreach (int token in window)
        {
            int count = _countByToken[token];
            if (count == 0) continue;
            _countByToken[token] = 0;
            float logit = logits[token];
            logit = logit <= 0 ? logit * _repeat : logit / _repeat;
            logits[token] = logit - (count * _frequency + _presence);
        }
    }
}
