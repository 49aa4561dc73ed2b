namespace BitNet.Gpu.Engine.Sampling;

/// <summary>The user's additive per-token biases, flattened once into arrays so applying them allocates nothing.</summary>
internal sealed class LogitBias
{
    private readonly int[] _tokens;
    private readonly float[] _biases;

    public LogitBias(IReadOnlyDictionary<int, float> biasByToken, int vocabSize)
    {
        _tokens = new int[biasByToken.Count];
        _biases = new float[biasByToken.Count];
        int i = 0;
        foreach (var (token, bias) in biasByToken.OrderBy(pair => pair.Key))
        {
            if (token >= vocabSize)
                throw new ArgumentException($"--logit-bias token id {token} is outside the vocabulary (size {vocabSize})", nameof(SamplerOptions.LogitBias));
            _tokens[i] = token;
            _biases[i] = bias;
            i++;
        }
    }

    // logit[token] += bias[token]  (-inf bans the token)
    public void Apply(Span<float> logits)
    {
        for (int i = 0; i < _tokens.Length; i++) logits[_tokens[i]] += _biases[i];
    }
}
