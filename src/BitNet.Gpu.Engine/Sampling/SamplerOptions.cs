namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// How the next token is chosen from the logits. Defaults follow llama.cpp's command line.
/// The pipeline is: logit bias -> penalties -> (greedy if Temperature &lt;= 0) -> top-k -> top-p -> min-p -> temperature -> draw.
/// </summary>
public sealed record SamplerOptions
{
    /// <summary>Divides the logits before the softmax; 0 or less means greedy (always the most likely token). CLI: --temp.</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the K most likely tokens; 0 disables. CLI: --top-k.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Keep the smallest set of most likely tokens whose probability sums to at least P; 1 disables. CLI: --top-p.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens less likely than MinP × the most likely token's probability; 0 disables. CLI: --min-p.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Divides positive (multiplies negative) logits of recently seen tokens; 1 disables. CLI: --repeat-penalty.</summary>
    public float RepeatPenalty { get; init; } = 1.0f;

    /// <summary>Subtracted from a recent token's logit once per occurrence; 0 disables. CLI: --frequency-penalty.</summary>
    public float FrequencyPenalty { get; init; } = 0.0f;

    /// <summary>Subtracted once from the logit of any recent token; 0 disables. CLI: --presence-penalty.</summary>
    public float PresencePenalty { get; init; } = 0.0f;

    /// <summary>How many of the most recent tokens the penalties look at; 0 disables them. CLI: --repeat-last-n.</summary>
    public int PenaltyWindow { get; init; } = 64;

    /// <summary>Token id -> bias added to its logit; negative infinity bans the token. CLI: --logit-bias.</summary>
    public IReadOnlyDictionary<int, float> LogitBias { get; init; } = new Dictionary<int, float>();

    /// <summary>Seed of the random draw; null picks a random seed (see <see cref="Sampler.Seed"/>). CLI: --seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>True when the sampler always takes the most likely token.</summary>
    public bool IsGreedy => Temperature <= 0;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option (and its CLI flag) for a value that makes no sense.</summary>
    public void Validate()
    {
        Require(!float.IsNaN(Temperature) && !float.IsInfinity(Temperature), nameof(Temperature),
            $"--temp must be a finite number (0 or less = greedy), got {Temperature}");
        Require(TopK >= 0, nameof(TopK), $"--top-k must be 0 (disabled) or positive, got {TopK}");
        Require(TopP > 0 && TopP <= 1, nameof(TopP), $"--top-p must be in (0, 1], got {TopP}");
        Require(MinP >= 0 && MinP <= 1, nameof(MinP), $"--min-p must be in [0, 1], got {MinP}");
        Require(RepeatPenalty > 0 && float.IsFinite(RepeatPenalty), nameof(RepeatPenalty),
            $"--repeat-penalty must be a finite number > 0 (1 = off), got {RepeatPenalty}");
        Require(float.IsFinite(FrequencyPenalty), nameof(FrequencyPenalty),
            $"--frequency-penalty must be a finite number, got {FrequencyPenalty}");
        Require(float.IsFinite(PresencePenalty), nameof(PresencePenalty),
            $"--presence-penalty must be a finite number, got {PresencePenalty}");
        Require(PenaltyWindow >= 0, nameof(PenaltyWindow), $"--repeat-last-n must be 0 (off) or positive, got {PenaltyWindow}");
        Require(LogitBias is not null, nameof(LogitBias), "--logit-bias must not be null");
        foreach (var (token, bias) in LogitBias!)
        {
            Require(token >= 0, nameof(LogitBias), $"--logit-bias token id must be >= 0, got {token}");
            Require(!float.IsNaN(bias) && !float.IsPositiveInfinity(bias), nameof(LogitBias),
                $"--logit-bias for token {token} must be finite or -inf (ban), got {bias}");
        }
    }

    private static void Require(bool condition, string option, string message)
    {
        if (!condition) throw new ArgumentException(message, option);
    }
}
