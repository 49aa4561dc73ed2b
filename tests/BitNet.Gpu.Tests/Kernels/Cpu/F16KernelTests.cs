using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>F16 conversion and f16 × f32 products vs double references. Tolerance: 1e-5 relative to Σ|W·x| (float accumulation).</summary>
public class F16KernelTests
{
    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    static Half[] RandomHalves(Random random, int count)
    {
        var w = new Half[count];
        for (int i = 0; i < count; i++) w[i] = (Half)((random.NextDouble() * 2 - 1) * 0.2);
        for (int i = 0; i < count / 20; i++) // about 5% subnormal or zero, in every part of the rows
            w[random.Next(count)] = BitConverter.UInt16BitsToHalf((ushort)(random.Next(0x400) | (random.Next(2) << 15)));
        if (count > 3) { w[0] = BitConverter.UInt16BitsToHalf(0x0001); w[1] = BitConverter.UInt16BitsToHalf(0x83FF); w[2] = Half.MaxValue; } // subnormals, max
        return w;
    }

    static void AssertProduct(Half[] w, int rows, int cols, float[] x, int tokens, ReadOnlySpan<float> y, string what)
    {
        for (int n = 0; n < tokens; n++)
            for (int r = 0; r < rows; r++)
            {
                double sum = 0, magnitude = 0;
                for (int c = 0; c < cols; c++)
                {
                    double term = (double)w[r * cols + c] * x[n * cols + c];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                double actual = y[n * rows + r];
                Assert.True(Math.Abs(actual - sum) <= 1e-5 * magnitude + 1e-30, $"{what} y[{n},{r}] = {actual}, expected {sum}");
            }
    }

    [Fact]
    public void ToSingle_IsExactForEveryHalf()
    {
        var all = new Half[65536 + 5];
        for (int i = 0; i < 65536; i++) all[i] = BitConverter.UInt16BitsToHalf((ushort)i);
        var converted = KernelTestData.Poisoned(all.Length);
        HalfConversion.ToSingle(all, converted);
        for (int i = 0; i < all.Length; i++)
        {
            float expected = (float)all[i];
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(converted[i]), $"bits {i:X4}");
            else Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(converted[i]));
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatVec_MatchesReference(SimdPath path)
    {
        var random = new Random(5);
        using var pool = new KernelThreadPool(2);
        foreach (var (rows, cols) in new[] { (1, 8), (7, 40), (33, 2560), (130, 100), (5, 3) })
        {
            var w = RandomHalves(random, rows * cols);
            var x = KernelTestData.Floats(random, cols, 4f);
            var y = KernelTestData.Poisoned(rows);
            F16MatVec.Multiply(w, rows, cols, x, y, pool, path);
            AssertProduct(w, rows, cols, x, 1, y, $"{path} {rows}x{cols}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SelectedRows_EqualTheFullProductToTheBit_AndLeaveTheOthers(SimdPath path)
    {
        // The screened output layer relies on this: a row computed alone must equal the same row of the full product.
        var random = new Random(11);
        using var pool = new KernelThreadPool(2);
        foreach (var (rows, cols, selectedCount) in new[] { (130, 2560, 23), (37, 100, 9), (600, 64, 2) })
        {
            var w = RandomHalves(random, rows * cols);
            var x = KernelTestData.Floats(random, cols, 4f);
            var full = KernelTestData.Poisoned(rows);
            F16MatVec.Multiply(w, rows, cols, x, full, pool, path);
            var selected = new int[selectedCount];
            for (int i = 0; i < selected.Length; i++) selected[i] = random.Next(rows); // unsorted, maybe repeated
            selected[^1] = selected[0];

            var y = KernelTestData.Poisoned(rows);
            F16MatVec.MultiplyRows(w, rows, cols, x, selected, y, pool, path);
            for (int r = 0; r < rows; r++)
            {
                if (selected.Contains(r))
                    Assert.Equal(BitConverter.SingleToInt32Bits(full[r]), BitConverter.SingleToInt32Bits(y[r]));
                else
                    Assert.True(float.IsNaN(y[r]), $"{rows}x{cols}: row {r} was not selected but was written");
            }
        }
    }

    [Fact]
    public void MatMul_MatchesReference()
    {
        var random = new Random(6);
        using var pool = new KernelThreadPool(2);
        foreach (var (rows, cols, tokens) in new[] { (9, 40, 3), (33, 2560, 5), (1, 7, 1) })
        {
            var w = RandomHalves(random, rows * cols);
            var x = KernelTestData.Floats(random, tokens * cols, 2f);
            var y = KernelTestData.Poisoned(tokens * rows);
            F16MatMul.Multiply(w, rows, cols, x, tokens, y, pool);
            AssertProduct(w, rows, cols, x, tokens, y, $"{rows}x{cols}x{tokens}");
        }
    }

    /// <summary>A token's outputs in a batch equal, to the bit, the same token multiplied alone: batched sequences get the
    /// logits they would get alone. Shapes cover odd rows (a row tile of one), a column tail, partial token tiles and more
    /// tokens than one group, whole row tiles with an odd token left over, a matrix smaller than one row tile, and many row
    /// tiles (each tile's rows a part of the matrix apart) with rows left past the last, and more columns than one converted
    /// block (512). Both conversions, the weights with subnormal halves in every row.</summary>
    /// <summary>Each path, with the halves converted in registers (false) and into converted blocks (true).</summary>
    public static TheoryData<SimdPath, bool> PathsAndConversions()
    {
        var data = new TheoryData<SimdPath, bool>();
        foreach (var path in SimdSupport.Supported)
            foreach (bool blocks in new[] { false, true }) data.Add(path, blocks);
        return data;
    }

    [Theory]
    [MemberData(nameof(PathsAndConversions))]
    public void MatMul_EachTokenEqualsMatVecToTheBit(SimdPath path, bool convertedBlocks)
    {
        var conversion = convertedBlocks ? F16Conversion.ConvertedBlocks : F16Conversion.InRegisters;
        var random = new Random(7);
        using var pool = new KernelThreadPool(2);
        foreach (var (rows, cols, tokens) in new[] { (9, 40, 3), (33, 2560, 8), (6, 100, 5), (5, 64, 19), (2, 17, 2), (8, 96, 7), (4, 32, 2), (3, 64, 4), (12, 64, 3), (6, 40, 5), (50, 64, 4), (101, 48, 3), (13, 1100, 6) })
        {
            var w = RandomHalves(random, rows * cols);
            var x = KernelTestData.Floats(random, tokens * cols, 4f);
            var y = KernelTestData.Poisoned(tokens * rows);
            F16MatMul.Multiply(w, rows, cols, x, tokens, y, pool, path, conversion);
            var alone = KernelTestData.Poisoned(rows);
            for (int t = 0; t < tokens; t++)
            {
                F16MatVec.Multiply(w, rows, cols, x.AsSpan(t * cols, cols), alone, pool, path);
                for (int r = 0; r < rows; r++)
                    Assert.True(BitConverter.SingleToInt32Bits(alone[r]) == BitConverter.SingleToInt32Bits(y[t * rows + r]),
                        $"{path} {conversion} {rows}x{cols}x{tokens}: y[{t},{r}] = {y[t * rows + r]} in the batch, {alone[r]} alone");
            }
            AssertProduct(w, rows, cols, x, tokens, y, $"{path} {conversion} {rows}x{cols}x{tokens}");
        }
    }

    [Fact]
    public void HasSubnormal_FindsOneAnywhere_AndIgnoresZeros()
    {
        var halves = new Half[70];
        halves[3] = Half.NegativeZero;
        halves[5] = (Half)0.5f;
        halves[6] = BitConverter.UInt16BitsToHalf(0x0400); // the smallest normal
        halves[7] = Half.MaxValue;
        Assert.False(HalfConversion.HasSubnormal(halves));
        foreach (int at in new[] { 0, 15, 16, 63, 64, 69 }) // in a vector, at its edges, in the scalar tail
            foreach (ushort bits in new ushort[] { 0x0001, 0x83FF })
            {
                var copy = (Half[])halves.Clone();
                copy[at] = BitConverter.UInt16BitsToHalf(bits);
                Assert.True(HalfConversion.HasSubnormal(copy), $"{bits:X4} at {at}");
            }
    }

    [Fact]
    public void MatVec_RejectsWrongShapes()
    {
        using var pool = new KernelThreadPool(1);
        Assert.Throws<ArgumentException>("w", () => F16MatVec.Multiply(new Half[10], 3, 4, new float[4], new float[3], pool));
        Assert.Throws<ArgumentException>("x", () => F16MatVec.Multiply(new Half[12], 3, 4, new float[5], new float[3], pool));
        Assert.Throws<ArgumentException>("y", () => F16MatVec.Multiply(new Half[12], 3, 4, new float[4], new float[2], pool));
    }
}
