namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// The host's half of a GPU backend's top-k screen of an F16 output layer (<see cref="OutputLayerType.Screened"/>):
/// from every logit's int8 estimate e and bound b (|e − y| ≤ b), with τ the k-th largest e − b, a row with e + b &lt; τ
/// has k rows certainly above it; the others (and the rows always wanted) are the candidates computed exactly.
/// </summary>
public static class TopRowScreen
{
    /// <summary>Values per int8 block (one scale each), in the weights' int8 copy and in the quantized input.</summary>
    public const int BlockSize = 32;

    /// <summary>When more than one row in this many survives the screen, the full product is cheaper.</summary>
    public const int FullProductDivisor = 8;

    /// <summary>γ = nu / (1 − nu), n = cols + 3, u = 2⁻²⁴: the relative rounding of float sums over a row of
    /// <paramref name="cols"/> values, which the bound's slack per chunk of input includes.</summary>
    public static float Gamma(int cols)
    {
        double nu = (cols + 3) * Math.ScaleB(1.0, -24);
        return (float)(nu / (1 - nu));
    }

    /// <summary>The rows that can be among the <paramref name="topK"/> largest, and the rows always wanted, ascending.</summary>
    public static int[] Candidates(ReadOnlySpan<float> estimates, ReadOnlySpan<float> bounds, int topK, ReadOnlySpan<int> alwaysExact)
    {
        int rows = estimates.Length;
        if (topK >= rows) return [.. Enumerable.Range(0, rows)];
        var lower = new double[rows];
        for (int r = 0; r < rows; r++) lower[r] = (double)estimates[r] - bounds[r];
        double threshold = KthLargest(lower, Math.Max(topK, 1));
        var candidates = new SortedSet<int>();
        for (int r = 0; r < rows; r++)
            if (!((double)estimates[r] + bounds[r] < threshold)) candidates.Add(r);   // NaN bounds keep the row
        foreach (int r in alwaysExact)
            if ((uint)r < (uint)rows) candidates.Add(r);
        return [.. candidates];
    }

    /// <summary>Whether so many rows survive that the full product is cheaper than the candidates alone.</summary>
    public static bool NeedsFullProduct(int candidates, int rows) => candidates > rows / FullProductDivisor;

    /// <summary>The k-th largest value: a min-heap of the k largest seen, O(rows · log k).</summary>
    static double KthLargest(double[] values, int k)
    {
        var largest = new PriorityQueue<double, double>(k + 1);
        foreach (double v in values)
        {
            if (largest.Count < k) largest.Enqueue(v, v);
            else if (v > largest.Peek()) largest.EnqueueDequeue(v, v);
        }
        return largest.Peek();
    }
}
