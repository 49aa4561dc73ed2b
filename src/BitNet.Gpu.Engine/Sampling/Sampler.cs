namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Picks the next token from a step's logits, as llama.cpp does:
/// logit bias -> repeat/frequency/presence penalties -> the JSON mask in JSON mode -> greedy when Temperature &lt;= 0, otherwise
/// top-k -> top-p -> min-p -> temperature -> softmax -> one draw from a seeded generator.
/// The caller's logits are never modified; all working memory is allocated once, in the constructor.
/// Ties are broken by the lower token id, so the same seed and inputs always give the same token.
/// Not thread-safe: use one sampler per generation.
/// </summary>
public sealed class Sampler
{
    private readonly SamplerOptions _options;
    private readonly float[] _logits; // vocab: the caller's logits after bias and penalties
    private readonly LogitBias _bias;
    private readonly LogitPenalties _penalties;
    private readonly TopKSelector? _topK;  // null when top-k keeps the whole vocabulary
    private readonly NucleusCut? _nucleus; // null when top-k is on (top-p then works on K tokens) or top-p is off
    private readonly WeightedDraw _draw;
    private readonly SamplerRandom _random;
    private readonly JsonConstraint? _json; // null unless the output must be one JSON object

    public Sampler(SamplerOptions options, int vocabSize) : this(options, vocabSize, json: null) { }

    /// <param name="json">In JSON mode, the request's constraint: it masks the logits before each draw and follows the drawn tokens.</param>
    internal Sampler(SamplerOptions options, int vocabSize, JsonConstraint? json)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        options.Validate();
        _options = options;
        VocabSize = vocabSize;
        Seed = options.Seed ?? (ulong)Random.Shared.NextInt64();

        _logits = new float[vocabSize];
        _bias = new LogitBias(options.LogitBias, vocabSize);
        _penalties = new LogitPenalties(options, vocabSize);
        _draw = new WeightedDraw(vocabSize);
        _random = new SamplerRandom(Seed);
        _json = json;
        if (options.IsGreedy) return;
        if (options.TopK > 0 && options.TopK < vocabSize) _topK = new TopKSelector(options.TopK);
        else if (options.TopP < 1) _nucleus = new NucleusCut(vocabSize);
    }

    public int VocabSize { get; }

    /// <summary>The seed in use (the given one, or the random one chosen when <see cref="SamplerOptions.Seed"/> is null).</summary>
    public ulong Seed { get; }

    public SamplerOptions Options => _options;

    /// <summary>
    /// How many of the largest logits a draw can depend on, once the logits of <see cref="AddAdjustedTokens"/> are exact:
    /// 1 when greedy, K with top-k (top-p and min-p only cut inside those), 0 when it can be any of them (also in JSON
    /// mode, where the best tokens the mask leaves may rank anywhere).
    /// </summary>
    public int LargestLogitsUsed => _json is not null ? 0 : _options.IsGreedy ? 1 : _topK is not null ? _options.TopK : 0;

    /// <summary>Adds the tokens whose logits the bias or the penalties change (for <paramref name="recentTokens"/>) to <paramref name="tokens"/>.</summary>
    public void AddAdjustedTokens(ReadOnlySpan<int> recentTokens, List<int> tokens)
    {
        foreach (int token in _options.LogitBias.Keys) tokens.Add(token);
        if (!_penalties.IsActive) return;
        foreach (int token in _penalties.Window(recentTokens)) tokens.Add(token);
    }

    /// <param name="logits">one step's logits, vocab long; not modified</param>
    /// <param name="recentTokens">the tokens so far (prompt and generated); the penalties look at the last PenaltyWindow</param>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> recentTokens)
    {
        float max = Prepare(logits, recentTokens);
        int token = _options.IsGreedy
            ? LogitScan.FirstIndexOf(_logits, max)
            : _draw.Draw(_logits, KeptTokens(max), max, _options.Temperature, _random.NextDouble());
        _json?.Accept(token);
        return token;
    }

    /// <summary>The distribution <see cref="Sample"/> draws from (one-hot when greedy), without drawing; for tests and tools.</summary>
    internal void Probabilities(ReadOnlySpan<float> logits, ReadOnlySpan<int> recentTokens, Span<float> probabilities)
    {
        float max = Prepare(logits, recentTokens);
        if (_options.IsGreedy)
        {
            probabilities.Clear();
            probabilities[LogitScan.FirstIndexOf(_logits, max)] = 1f;
            return;
        }
        _draw.Probabilities(_logits, KeptTokens(max), max, _options.Temperature, probabilities);
    }

    /// <summary>Copies the logits, applies bias, penalties and the JSON mask, checks them and returns the maximum.</summary>
    private float Prepare(ReadOnlySpan<float> logits, ReadOnlySpan<int> recentTokens)
    {
        if (logits.Length != VocabSize)
            throw new ArgumentException($"expected {VocabSize} logits (the vocabulary size), got {logits.Length}", nameof(logits));
        logits.CopyTo(_logits);
        _bias.Apply(_logits);
        _penalties.Apply(_logits, recentTokens);
        _json?.Mask(_logits);
        return LogitScan.MaxChecked(_logits, nameof(logits));
    }

    /// <summary>top-k, then top-p over what top-k kept, then min-p: each keeps a prefix of the ranking, so the result is the shortest.</summary>
    private RankCut KeptTokens(float max)
    {
        // min-p: p >= MinP × p_max  <=>  logit >= max + ln(MinP)
        RankCut minP = _options.MinP > 0 ? RankCut.AtLeast(max + MathF.Log(_options.MinP)) : RankCut.All;
        if (_topK is not null) return RankCut.Stricter(TopKThenTopP(max), minP);
        if (_nucleus is null) return minP;

        var mass = _draw.Scratch; // exp(logit - max) per token, until the draw overwrites it
        var (total, withinMinP) = LogitScan.Mass(_logits, max, minP.Logit, mass);
        double target = _options.TopP * total;
        // If the min-p set holds less than the target, the top-p prefix is longer than it: min-p decides alone.
        if (withinMinP < target) return minP;
        return _nucleus.Find(_logits, mass, max, minP.Logit, target);
    }

    private RankCut TopKThenTopP(float max)
    {
        var best = _topK!.Select(_logits);
        if (_options.TopP >= 1) return RankCut.FromKey(best[^1], _logits);

        double total = 0;
        foreach (ulong key in best) total += MathF.Exp(_logits[RankKey.Token(key)] - max);
        double target = _options.TopP * total, cumulative = 0;
        foreach (ulong key in best)
        {
            cumulative += MathF.Exp(_logits[RankKey.Token(key)] - max);
            if (cumulative >= target) return RankCut.FromKey(key, _logits);
        }
        return RankCut.FromKey(best[^1], _logits);
    }
}
