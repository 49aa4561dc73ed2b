namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// A generated token with its log-probability under the model's own distribution: the softmax of the step's raw logits,
/// before logit bias, penalties, temperature and the sampler's cuts (what OpenAI's and vLLM's logprobs report), and the
/// most likely tokens of that step, most likely first (ties by the lower id).
/// </summary>
/// <param name="Token">The token the sampler picked.</param>
/// <param name="Logprob">ln p(token); 0 for a certain token, more negative for less likely ones.</param>
/// <param name="Top">The step's most likely tokens, as many as the request asked for (0 to <see cref="MaxTop"/>).</param>
public sealed record TokenLogprob(int Token, float Logprob, IReadOnlyList<TokenChoice> Top)
{
    /// <summary>The most alternatives a step reports (OpenAI's top_logprobs limit).</summary>
    public const int MaxTop = 20;

    /// <summary>The token's place in the step's vocabulary by logit: 1 + the tokens with a higher logit (so 1 for the most
    /// likely, tied tokens sharing a place, as vLLM's rank counts); 0 where there is no step (a prompt's first token).</summary>
    public int Rank { get; init; }
}

/// <summary>One candidate token of a step and its log-probability.</summary>
public readonly record struct TokenChoice(int Token, float Logprob);
