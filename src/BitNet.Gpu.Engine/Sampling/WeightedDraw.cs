using System.Numerics;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// The last step: softmax at the chosen temperature over the kept tokens, then one draw.
/// Weights are written per token and summed per block of 256 tokens, so finding the drawn token walks
/// the block sums first and then at most one block, instead of the whole vocabulary.
/// </summary>
internal sealed class WeightedDraw
{
    private const int BlockSize = 256; // a multiple of every Vector<float>.Count

    private readonly float[] _weights;    // vocab: exp((logit - max) / temperature), 0 where not kept
    private readonly double[] _blockSums; // ceil(vocab / BlockSize)

    public WeightedDraw(int vocabSize)
    {
        _weights = new float[vocabSize];
        _blockSums = new double[(vocabSize + BlockSize - 1) / BlockSize];
    }

    /// <summary>Scratch of vocabulary size that earlier steps may borrow before <see cref="Draw"/> overwrites it.</summary>
    public Span<float> Scratch => _weights;

    // p(token) = kept(token) × exp((logit - max) / temperature) / Σ; pick the first token where the running sum passes u × Σ.
    public int Draw(ReadOnlySpan<float> logits, RankCut cut, float max, float temperature, double uniform)
    {
        double total = 0;
        for (int block = 0; block < _blockSums.Length; block++)
        {
            _blockSums[block] = BlockWeights(logits, block, cut, max, temperature);
            total += _blockSums[block];
        }
        return Pick(uniform * total);
    }

    /// <summary>The same weights as <see cref="Draw"/> uses, normalised into <paramref name="probabilities"/> (for tests).</summary>
    public void Probabilities(ReadOnlySpan<float> logits, RankCut cut, float max, float temperature, Span<float> probabilities)
    {
        double total = 0;
        for (int block = 0; block < _blockSums.Length; block++) total += BlockWeights(logits, block, cut, max, temperature);
        for (int i = 0; i < logits.Length; i++) probabilities[i] = (float)(_weights[i] / total);
    }

    private double BlockWeights(ReadOnlySpan<float> logits, int block, RankCut cut, float max, float temperature)
    {
        int width = Vector<float>.Count;
        int start = block * BlockSize, end = Math.Min(start + BlockSize, logits.Length);
        var maxV = new Vector<float>(max);
        var temperatureV = new Vector<float>(temperature);
        var cutLogit = new Vector<float>(cut.Logit);
        var lastToken = new Vector<int>(cut.LastTokenId);
        var sum = Vector<float>.Zero;
        int i = start;
        for (; i <= end - width; i += width)
        {
            var x = new Vector<float>(logits[i..]);
            if (!Vector.GreaterThanOrEqualAny(x, cutLogit))
            {
                Vector<float>.Zero.CopyTo(_weights.AsSpan(i)); // nothing kept here: skip the exp
                continue;
            }
            var tokens = new Vector<int>(i) + LaneIndex;
            var kept = Vector.GreaterThan(x, cutLogit) |
                       (Vector.Equals(x, cutLogit) & Vector.LessThanOrEqual(tokens, lastToken));
            // Divide (not multiply by 1/T) so a tiny temperature gives exp(-huge) = 0, never 0 × inf = NaN at the max.
            var w = Vector.ConditionalSelect(kept, Vector.Exp((x - maxV) / temperatureV), Vector<float>.Zero);
            w.CopyTo(_weights.AsSpan(i));
            sum += w;
        }
        double blockSum = Vector.Sum(sum);
        for (; i < end; i++)
        {
            float w = cut.Keeps(logits[i], i) ? MathF.Exp((logits[i] - max) / temperature) : 0f;
            _weights[i] = w;
            blockSum += w;
        }
        return blockSum;
    }

    private int Pick(double target)
    {
        double before = 0;
        int lastBlock = -1;
        for (int block = 0; block < _blockSums.Length; block++)
        {
            if (_blockSums[block] == 0) continue;
            lastBlock = block;
            if (before + _blockSums[block] > target) return PickInBlock(block, target - before);
            before += _blockSums[block];
        }
        return PickInBlock(lastBlock, double.PositiveInfinity); // rounding left target at the very end
    }

    private int PickInBlock(int block, double target)
    {
        int start = block * BlockSize, end = Math.Min(start + BlockSize, _weights.Length);
        double cumulative = 0;
        int lastKept = -1;
        for (int token = start; token < end; token++)
        {
            if (_weights[token] == 0) continue;
            lastKept = token;
            cumulative += _weights[token];
            if (cumulative > target) return token;
        }
        return lastKept;
    }

    private static readonly Vector<int> LaneIndex = CreateLaneIndex();

    private static Vector<int> CreateLaneIndex()
    {
        Span<int> lanes = stackalloc int[Vector<int>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = i;
        return new Vector<int>(lanes);
    }
}
