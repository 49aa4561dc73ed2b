namespace BitNet.Gpu.Engine.Embeddings;

/// <summary>
/// Pools a text's final hidden states, chunk by chunk as the scheduler's steps give them, into one vector:
/// mean: e = (1/n) Σ_t h_t;  last: e = h_(n-1);  normalized: e / ‖e‖₂ (as llama-server and OpenAI's embeddings are).
/// </summary>
public sealed class HiddenStatePool
{
    readonly double[] _sum;    // Σ h_t over the rows so far (mean), in double so a long text's sum keeps its digits
    readonly float[] _last;    // the last row so far
    int _rows;

    public HiddenStatePool(int width, EmbeddingPooling pooling)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (!Enum.IsDefined(pooling)) throw new ArgumentOutOfRangeException(nameof(pooling), pooling, "pooling must be Mean or Last");
        Pooling = pooling;
        _sum = pooling == EmbeddingPooling.Mean ? new double[width] : [];
        _last = new float[width];
    }

    public EmbeddingPooling Pooling { get; }

    /// <summary>Floats in one hidden state, and in the vector.</summary>
    public int Width => _last.Length;

    /// <summary>Rows pooled so far (the text's tokens run).</summary>
    public int Rows => _rows;

    /// <summary>Adds the next rows of the text, <see cref="Width"/> floats each, in token order.</summary>
    public void Add(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Width != 0) throw new ArgumentException($"rows hold {rows.Length} floats, not a whole number of rows of {Width}", nameof(rows));
        for (int start = 0; start < rows.Length; start += Width)
        {
            var row = rows.Slice(start, Width);
            if (Pooling == EmbeddingPooling.Mean)
                for (int i = 0; i < row.Length; i++) _sum[i] += row[i];
            _rows++;
        }
        if (rows.Length > 0) rows[^Width..].CopyTo(_last);
    }

    /// <summary>The pooled vector; with <paramref name="normalize"/>, scaled to unit length (a zero vector stays zero).</summary>
    public float[] Result(bool normalize)
    {
        if (_rows == 0) throw new InvalidOperationException("no hidden states were pooled");
        var vector = Pooling == EmbeddingPooling.Mean ? _sum.Select(v => (float)(v / _rows)).ToArray() : (float[])_last.Clone();
        if (!normalize) return vector;
        double norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        if (norm > 0)
            for (int i = 0; i < vector.Length; i++) vector[i] = (float)(vector[i] / norm);
        return vector;
    }
}
