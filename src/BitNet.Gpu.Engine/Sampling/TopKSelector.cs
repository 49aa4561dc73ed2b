using System.Numerics;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Finds the K best-ranked tokens with one pass and a size-K heap whose root is the worst kept token.
/// Most of the vocabulary is rejected a whole vector at a time by comparing with the root, so a typical call
/// costs one vectorised scan; the worst case (logits rising with the token id) is O(vocab × log K).
/// </summary>
internal sealed class TopKSelector
{
    private readonly float[] _heapLogits; // K
    private readonly int[] _heapTokens;   // K
    private readonly ulong[] _keys;       // K, rank keys of the result

    public TopKSelector(int k)
    {
        _heapLogits = new float[k];
        _heapTokens = new int[k];
        _keys = new ulong[k];
    }

    public int K => _keys.Length;

    /// <summary>Rank keys of the K best tokens, best first. Requires K &lt;= logits.Length.</summary>
    public ReadOnlySpan<ulong> Select(ReadOnlySpan<float> logits)
    {
        int k = K;
        for (int token = 0; token < k; token++)
        {
            _heapLogits[token] = logits[token];
            _heapTokens[token] = token;
        }
        for (int node = k / 2 - 1; node >= 0; node--) SiftDown(node);

        // Scanning in id order, a later token only beats the root with a strictly greater logit.
        int width = Vector<float>.Count;
        int i = k;
        for (; i <= logits.Length - width; i += width)
        {
            if (!Vector.GreaterThanAny(new Vector<float>(logits[i..]), new Vector<float>(_heapLogits[0]))) continue;
            for (int token = i; token < i + width; token++) Offer(logits[token], token);
        }
        for (; i < logits.Length; i++) Offer(logits[i], i);

        for (int j = 0; j < k; j++) _keys[j] = RankKey.Of(_heapLogits[j], _heapTokens[j]);
        _keys.AsSpan().Sort();
        return _keys;
    }

    private void Offer(float logit, int token)
    {
        if (logit <= _heapLogits[0]) return;
        _heapLogits[0] = logit;
        _heapTokens[0] = token;
        SiftDown(0);
    }

    private void SiftDown(int node)
    {
        int k = K;
        while (true)
        {
            int worst = node, left = 2 * node + 1, right = left + 1;
            if (left < k && IsWorse(left, worst)) worst = left;
            if (right < k && IsWorse(right, worst)) worst = right;
            if (worst == node) return;
            (_heapLogits[node], _heapLogits[worst]) = (_heapLogits[worst], _heapLogits[node]);
            (_heapTokens[node], _heapTokens[worst]) = (_heapTokens[worst], _heapTokens[node]);
            node = worst;
        }
    }

    // Worse = lower logit, or the same logit with a higher token id.
    private bool IsWorse(int a, int b) =>
        _heapLogits[a] < _heapLogits[b] || (_heapLogits[a] == _heapLogits[b] && _heapTokens[a] > _heapTokens[b]);
}
