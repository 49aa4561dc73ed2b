using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// The screened f16 product against the full one (<see cref="F16MatVec"/>, itself checked against a double reference):
/// no tolerance, since every row the screen keeps must equal the full product to the bit, and the k largest rows of the
/// full product must all be kept.
/// </summary>
public class ScreenedF16MatVecTests
{
    /// <summary>Rows of different magnitudes (so the largest outputs stand out, as logits do) and random signs.</summary>
    static Half[] Weights(Random random, int rows, int cols)
    {
        var w = new Half[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double rowScale = 0.02 + 0.08 * random.NextDouble();
            for (int c = 0; c < cols; c++) w[r * cols + c] = (Half)((random.NextDouble() * 2 - 1) * rowScale);
        }
        return w;
    }

    /// <summary>The k rows with the largest values, ties to the lower index (the sampler's order).</summary>
    static int[] TopRows(float[] y, int k) =>
        Enumerable.Range(0, y.Length).OrderByDescending(r => y[r]).ThenBy(r => r).Take(k).ToArray();

    static void AssertScreenKeepsTopRows(Half[] w, int rows, int cols, float[] x, int k, int[] alwaysExact, KernelThreadPool pool, string what)
    {
        var full = KernelTestData.Poisoned(rows);
        F16MatVec.Multiply(w, rows, cols, x, full, pool);
        using var screen = ScreenedF16MatVec.Create(w, rows, cols, pool)!;
        var screened = KernelTestData.Poisoned(rows);
        int exactRows = screen.Multiply(w, x, k, alwaysExact, screened, pool).ExactRows;

        int finite = 0;
        for (int r = 0; r < rows; r++)
        {
            if (float.IsNegativeInfinity(screened[r])) continue;
            Assert.True(BitConverter.SingleToInt32Bits(full[r]) == BitConverter.SingleToInt32Bits(screened[r]),
                $"{what}: row {r} screened {screened[r]} but the full product is {full[r]}");
            finite++;
        }
        Assert.True(finite <= exactRows, $"{what}: {finite} finite outputs but only {exactRows} rows computed");
        foreach (int r in TopRows(full, k))
            Assert.False(float.IsNegativeInfinity(screened[r]), $"{what}: row {r} is among the {k} largest but was screened out");
        foreach (int r in alwaysExact)
            Assert.Equal(full[r], screened[r]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(40)]
    public void KeepsTheLargestRowsExactly_AndReadsFewRows(int k)
    {
        var random = new Random(11 + k);
        using var pool = new KernelThreadPool(2);
        const int rows = 4099, cols = 520; // a tail of rows and of columns
        var w = Weights(random, rows, cols);
        for (int trial = 0; trial < 4; trial++)
        {
            var x = KernelTestData.Floats(random, cols, 2f);
            int[] alwaysExact = [random.Next(rows), random.Next(rows), 7];
            AssertScreenKeepsTopRows(w, rows, cols, x, k, alwaysExact, pool, $"k {k} trial {trial}");

            using var screen = ScreenedF16MatVec.Create(w, rows, cols, pool)!;
            var product = screen.Multiply(w, x, k, alwaysExact, new float[rows], pool);
            int exactRows = product.ExactRows;
            Assert.True(exactRows < rows / 8, $"the screen kept {exactRows} of {rows} rows: it does not screen");
            Assert.Equal(screen.ByteSize + rows * 8L + exactRows * cols * 2L, product.BytesRead); // int8 codes, 2 floats a row, f16 rows
        }
    }

    /// <summary>Several vectors screened together, each with its own k and always-exact rows, give each vector exactly what
    /// it gets screened alone (the same exact rows, to the bit, and -∞ in the same places), with one pass over the int8 copy;
    /// a vector whose k asks for the full product sends the whole batch through it.</summary>
    [Fact]
    public void Batch_EqualsEachVectorScreenedAlone()
    {
        var random = new Random(31);
        using var pool = new KernelThreadPool(2);
        const int rows = 4099, cols = 520;
        var w = Weights(random, rows, cols);
        using var screen = ScreenedF16MatVec.Create(w, rows, cols, pool)!;
        // six vectors: a group of four and a remainder of two in the estimate pass
        foreach (int[] ks in new[] { new[] { 1, 40, 5 }, new[] { 40, 40 }, new[] { 40, 1, 40, 5, 40, 2 }, new[] { 3, rows / 4 } })
        {
            int vectors = ks.Length;
            var x = KernelTestData.Floats(random, vectors * cols, 2f);
            var alwaysExact = Enumerable.Range(0, vectors).Select(t => (ReadOnlyMemory<int>)new[] { random.Next(rows), t }).ToArray();
            var y = KernelTestData.Poisoned(vectors * rows);
            var product = screen.MultiplyBatch(w, x, vectors, ks, alwaysExact, y, pool);

            bool full = ks.Any(k => k >= rows / 8);
            int exactRows = 0;
            for (int t = 0; t < vectors; t++)
            {
                var alone = KernelTestData.Poisoned(rows);
                if (full) F16MatVec.Multiply(w, rows, cols, x.AsSpan(t * cols, cols), alone, pool);
                else exactRows += screen.Multiply(w, x.AsSpan(t * cols, cols), ks[t], alwaysExact[t].Span, alone, pool).ExactRows;
                for (int r = 0; r < rows; r++)
                    Assert.True(BitConverter.SingleToInt32Bits(alone[r]) == BitConverter.SingleToInt32Bits(y[t * rows + r]),
                        $"k {string.Join(",", ks)}: vector {t} row {r} is {y[t * rows + r]} in the batch, {alone[r]} alone");
            }
            if (full) Assert.Equal((long)rows * cols * 2, product.BytesRead);
            else
            {
                Assert.Equal(exactRows, product.ExactRows);
                Assert.Equal(screen.ByteSize + rows * 8L + exactRows * cols * 2L, product.BytesRead); // the int8 copy read once
            }
        }
    }

    /// <summary>A vector the screen cannot narrow (every row's estimate the same) gets the full product in a batch too, to
    /// the bit as alone, while the others of the batch stay screened; the unscreened ones share one pass over the weights.</summary>
    [Fact]
    public void Batch_VectorsTheScreenCannotNarrow_GetTheFullProduct_OthersStayScreened()
    {
        var random = new Random(37);
        using var pool = new KernelThreadPool(2);
        const int rows = 4099, cols = 520, half = cols / 2;
        // Columns [0, half): rows of different sizes, as logits; columns [half, cols): the same values in every row.
        var w = Weights(random, rows, cols);
        var shared = Weights(random, 1, half);
        for (int r = 0; r < rows; r++) shared.CopyTo(w.AsSpan(r * cols + half, half));
        using var screen = ScreenedF16MatVec.Create(w, rows, cols, pool)!;

        const int vectors = 4; // 0 and 2 read the first columns (screened), 1 and 3 only the shared ones (not)
        var x = new float[vectors * cols];
        for (int t = 0; t < vectors; t++)
        {
            var values = KernelTestData.Floats(random, half, 2f);
            values.CopyTo(x.AsSpan(t * cols + (t % 2 == 0 ? 0 : half), half));
        }
        int[] ks = [40, 40, 5, 1];
        var alwaysExact = Enumerable.Range(0, vectors).Select(t => (ReadOnlyMemory<int>)new[] { t }).ToArray();
        var y = KernelTestData.Poisoned(vectors * rows);
        var product = screen.MultiplyBatch(w, x, vectors, ks, alwaysExact, y, pool);

        int screenedRows = 0;
        for (int t = 0; t < vectors; t++)
        {
            var alone = KernelTestData.Poisoned(rows);
            int rowsAlone = screen.Multiply(w, x.AsSpan(t * cols, cols), ks[t], alwaysExact[t].Span, alone, pool).ExactRows;
            Assert.Equal(t % 2 == 1, rowsAlone == rows); // the test's premise: 1 and 3 cannot be narrowed, 0 and 2 can
            if (rowsAlone < rows) screenedRows += rowsAlone;
            for (int r = 0; r < rows; r++)
                Assert.True(BitConverter.SingleToInt32Bits(alone[r]) == BitConverter.SingleToInt32Bits(y[t * rows + r]),
                    $"vector {t} row {r} is {y[t * rows + r]} in the batch, {alone[r]} alone");
        }
        Assert.Equal(screenedRows + 2 * rows, product.ExactRows);
        Assert.Equal(screen.ByteSize + rows * 8L + screenedRows * cols * 2L + rows * cols * 2L, product.BytesRead); // one f16 pass for both
    }

    [Fact]
    public void NearTies_AreAllKept()
    {
        // Many rows equal but for one weight a step of the f16 grid apart: the screen cannot tell them apart, so it must keep
        // them all, and the exact values then decide.
        var random = new Random(3);
        using var pool = new KernelThreadPool(2);
        const int rows = 2048, cols = 256;
        var w = Weights(random, rows, cols);
        var twin = w.AsSpan(0, cols).ToArray();
        for (int r = 100; r < 164; r++)
        {
            twin.CopyTo(w, r * cols);
            int c = random.Next(cols);
            w[r * cols + c] = BitConverter.UInt16BitsToHalf((ushort)(BitConverter.HalfToUInt16Bits(w[r * cols + c]) + random.Next(-1, 2)));
        }
        var x = new float[cols];
        for (int c = 0; c < cols; c++) x[c] = (float)w[c] * 40; // aligned with the twins: they are the largest outputs
        foreach (int k in new[] { 1, 10, 40 })
            AssertScreenKeepsTopRows(w, rows, cols, x, k, [], pool, $"twins k {k}");
    }

    [Fact]
    public void AnOutlierInX_StillKeepsTheLargestRows()
    {
        // Hidden states have a few huge dimensions. One here makes the int16 step of x coarse (~0.08), so the small entries,
        // which decide the ranking, are rounded by up to half their size: the bound must cover what that rounding changes.
        // The weights are int8 codes times 2^-7, exact in int8, so that rounding x is the screen's only real error.
        var random = new Random(8);
        using var pool = new KernelThreadPool(2);
        const int rows = 3000, cols = 384;
        var w = new Half[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) w[r * cols + c] = (Half)(random.Next(-127, 128) / 128.0);
            w[r * cols] = (Half)(127 / 128.0); // the outlier column: the same in every row, and each row's largest weight
        }
        for (int trial = 0; trial < 4; trial++)
        {
            var x = KernelTestData.Floats(random, cols, 0.3f);
            x[0] = 2000;
            foreach (int k in new[] { 1, 40 })
                AssertScreenKeepsTopRows(w, rows, cols, x, k, [], pool, $"outlier trial {trial} k {k}");
        }
    }

    [Fact]
    public void ARowWhoseRoundingErrorsAllAlignWithX_IsStillKept()
    {
        // The worst case the weight bound exists for. Row 0's weights all sit ~half an int8 step off its grid, and x takes
        // the sign of each error, so its estimate falls short by E ≈ 94% of the bound. Row 1 is exact in int8 and its
        // true value is E/4 below row 0's. So row 0 is the top row and its estimate is lower than row 1's: only a bound of
        // at least 3E/4 keeps it (halving the weight bound screens it out; checked). The other rows are small, exact in
        // int8, and make the screen worth running (with few rows per k it computes them all).
        const int rows = 64, cols = 264; // a tail of columns past the 32-wide vector loop
        var random = new Random(21);
        var w = new Half[rows * cols];
        var x = new float[cols];
        float scale = (float)(1.0 / 127);      // row 0's int8 scale: its largest weight is 1
        w[0] = (Half)1.0;
        x[0] = 1;
        double exact0 = 1, shortfall = 0;
        for (int c = 1; c < cols; c++)
        {
            w[c] = (Half)((random.Next(0, 101) + 0.47) * scale);
            double error = (double)w[c] - scale * Math.Round((double)w[c] / scale);
            x[c] = error >= 0 ? 1 : -1;
            exact0 += (double)w[c] * x[c];
            shortfall += Math.Abs(error);
        }
        // Row 1: codes/128 (exact in int8 with scale 1/128), summing against x to about exact0 − shortfall/4.
        int remaining = (int)Math.Floor((exact0 - shortfall / 4) * 128) - 127;
        w[cols] = (Half)(127 / 128.0);
        for (int c = 1; c < cols; c++)
        {
            int code = Math.Clamp(remaining, -100, 100) * (int)x[c];
            w[cols + c] = (Half)(code / 128.0);
            remaining -= code * (int)x[c];
        }
        Assert.Equal(0, remaining); // row 1 reached its target
        for (int i = 2 * cols; i < w.Length; i++) w[i] = (Half)(random.Next(-3, 4) / 128.0);

        using var pool = new KernelThreadPool(1);
        AssertScreenKeepsTopRows(w, rows, cols, x, 1, [], pool, "aligned errors");
    }

    [Fact]
    public void LargeK_OrNonFiniteInput_FallsBackToTheFullProduct()
    {
        var random = new Random(4);
        using var pool = new KernelThreadPool(2);
        const int rows = 300, cols = 128;
        var w = Weights(random, rows, cols);
        using var screen = ScreenedF16MatVec.Create(w, rows, cols, pool)!;

        var x = KernelTestData.Floats(random, cols);
        var full = new float[rows];
        F16MatVec.Multiply(w, rows, cols, x, full, pool);
        var y = KernelTestData.Poisoned(rows);
        Assert.Equal(new ScreenedProduct(rows, rows * cols * 2L), screen.Multiply(w, x, rows / 4, [], y, pool));
        Assert.Equal(full, y);

        x[5] = float.NaN;
        y = KernelTestData.Poisoned(rows);
        Assert.Equal(new ScreenedProduct(rows, rows * cols * 2L), screen.Multiply(w, x, 1, [], y, pool));
        Assert.All(y, value => Assert.True(float.IsNaN(value)));
    }

    [Fact]
    public void NonFiniteWeights_HaveNoScreen_AndBadArgumentsAreNamed()
    {
        using var pool = new KernelThreadPool(1);
        var w = new Half[4 * 128];
        w[130] = Half.PositiveInfinity;
        Assert.Null(ScreenedF16MatVec.Create(w, 4, 128, pool));
        w[130] = Half.NaN;
        Assert.Null(ScreenedF16MatVec.Create(w, 4, 128, pool));
        var tail = new Half[2 * 131];          // past the 8-wide vector loop
        tail[131 + 130] = Half.NegativeInfinity;
        Assert.Null(ScreenedF16MatVec.Create(tail, 2, 131, pool));

        w[130] = Half.One;
        using var screen = ScreenedF16MatVec.Create(w, 4, 128, pool)!;
        Assert.Throws<ArgumentOutOfRangeException>("k", () => screen.Multiply(w, new float[128], 0, [], new float[4], pool));
        Assert.Throws<ArgumentOutOfRangeException>("alwaysExact", () => screen.Multiply(w, new float[128], 1, [4], new float[4], pool));
        Assert.Throws<ArgumentException>("x", () => screen.Multiply(w, new float[127], 1, [], new float[4], pool));
    }
}
