using System.Buffers;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// Dense f16 matrix × a batch of f32 vectors: y[n, r] = Σ_c W[r, c]·x[n, c].
/// Each group of rows is converted to f32 once (into a per-range scratch) and reused for every token.
/// </summary>
public static unsafe class F16MatMul
{
    const int RowTile = 4;

    /// <param name="w">rows × cols halves, row-major.</param>
    /// <param name="x">tokens × cols, row-major.</param>
    /// <param name="y">tokens × rows, row-major, overwritten.</param>
    public static void Multiply(ReadOnlySpan<Half> w, int rows, int cols, ReadOnlySpan<float> x, int tokens, Span<float> y, KernelThreadPool pool)
    {
        if (tokens < 0) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "Token count must not be negative.");
        F16MatVec.ValidateShape(w, rows, cols, x.Length, y.Length, tokens);
        ArgumentNullException.ThrowIfNull(pool);
        if (tokens == 0) return;
        fixed (Half* wFixed = w)
        fixed (float* xFixed = x)
        fixed (float* yFixed = y)
        {
            Half* wp = wFixed;
            float* xp = xFixed, yp = yFixed;
            int tiles = (rows + RowTile - 1) / RowTile;
            pool.For(tiles, (first, end) =>
            {
                var converted = ArrayPool<float>.Shared.Rent(RowTile * cols); // RowTile × cols
                try
                {
                    fixed (float* rowsF32 = converted)
                        for (int tile = first; tile < end; tile++)
                            MultiplyTile(wp, rows, cols, xp, tokens, yp, tile * RowTile, rowsF32);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(converted);
                }
            });
        }
    }

    static void MultiplyTile(Half* w, int rows, int cols, float* x, int tokens, float* y, int row0, float* rowsF32)
    {
        int tileRows = Math.Min(RowTile, rows - row0);
        HalfConversion.ToSingle(new ReadOnlySpan<Half>(w + (long)row0 * cols, tileRows * cols), new Span<float>(rowsF32, tileRows * cols));
        for (int n = 0; n < tokens; n++)
            for (int r = 0; r < tileRows; r++)
                y[(long)n * rows + row0 + r] = FloatMath.Dot(rowsF32 + (long)r * cols, x + (long)n * cols, cols);
    }
}
