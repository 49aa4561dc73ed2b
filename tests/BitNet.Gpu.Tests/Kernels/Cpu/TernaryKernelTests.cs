using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// Ternary matrix packing, the exact integer core on every path, and the float products.
/// Float tolerance: 1e-6 relative to Σ_b |scale·Σt·q| / activationScale (the kernel rounds a few float products and,
/// for block scales, a float sum of blocks); integer exactness is asserted separately by <see cref="DotGroup_IsExact"/>.
/// </summary>
public unsafe class TernaryKernelTests
{
    const double Tolerance = 1e-6;

    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    /// <summary>Shapes: odd row counts, 128-column half blocks, per-tensor / per-row / per-256 scales.</summary>
    public static IEnumerable<(int Rows, int Cols, int ScaleBlockCols, bool PerTensor)> Shapes() =>
    [
        (1, 128, 128, true),
        (7, 256, 256, true),
        (13, 384, 384, false),
        (33, 2560, 2560, true),
        (18, 6912, 256, false),
        (5, 1024, 512, false),
        (67, 1152, 1152, true),
    ];

    sealed record Case(sbyte[] Values, float[] Scales, int Rows, int Cols, int ScaleBlockCols) : IDisposable
    {
        public TernaryMatrix Matrix { get; } = TernaryMatrix.FromTernary(Values, Rows, Cols, Scales, ScaleBlockCols);
        public int ScaleBlocks => Cols / ScaleBlockCols;
        public float Scale(int row, int block) => Scales.Length == 1 ? Scales[0] : Scales[row * ScaleBlocks + block];
        public void Dispose() => Matrix.Dispose();
    }

    static Case MakeCase(Random random, (int Rows, int Cols, int ScaleBlockCols, bool PerTensor) shape)
    {
        var values = KernelTestData.Ternary(random, shape.Rows * shape.Cols);
        int scaleCount = shape.PerTensor ? 1 : shape.Rows * (shape.Cols / shape.ScaleBlockCols);
        var scales = new float[scaleCount];
        for (int i = 0; i < scaleCount; i++) scales[i] = (float)(0.5 + random.NextDouble());
        return new Case(values, scales, shape.Rows, shape.Cols, shape.ScaleBlockCols);
    }

    /// <summary>y[r] = Σ_b scale[r,b] · Σ_{c in b} t[r,c]·q[c] / activationScale; also returns the tolerance base Σ_b |…|.</summary>
    static (double[] Y, double[] Magnitude) Reference(Case c, sbyte[] q, float activationScale)
    {
        var y = new double[c.Rows];
        var magnitude = new double[c.Rows];
        for (int r = 0; r < c.Rows; r++)
            for (int b = 0; b < c.ScaleBlocks; b++)
            {
                long dot = 0;
                for (int col = b * c.ScaleBlockCols; col < (b + 1) * c.ScaleBlockCols; col++) dot += c.Values[r * c.Cols + col] * q[col];
                double term = c.Scale(r, b) * (double)dot / activationScale;
                y[r] += term;
                magnitude[r] += Math.Abs(term);
            }
        return (y, magnitude);
    }

    static void AssertWithin(double[] expected, double[] magnitude, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = Tolerance * Math.Max(magnitude[i], 1e-3);
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tolerance}).");
        }
    }

    [Fact]
    public void FromTernary_RoundTripsValuesAndScales()
    {
        var random = new Random(7);
        foreach (var shape in Shapes())
        {
            using var c = MakeCase(random, shape);
            for (int r = 0; r < c.Rows; r++)
            {
                for (int col = 0; col < c.Cols; col++) Assert.Equal(c.Values[r * c.Cols + col], c.Matrix.GetValue(r, col));
                for (int b = 0; b < c.ScaleBlocks; b++) Assert.Equal(c.Scale(r, b), c.Matrix.GetScale(r, b));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void DotGroup_IsExact(SimdPath path)
    {
        var random = new Random(11);
        foreach (var shape in Shapes())
        {
            using var c = MakeCase(random, shape);
            var q = KernelTestData.Int8(random, c.Cols);
            q[0] = -128; // extremes: the int16 partial sums must not overflow
            var sums = new int[4 * 4];
            fixed (sbyte* qp = q)
            fixed (int* sp = sums)
            {
                for (int g = 0; g < c.Matrix.RowGroups; g++)
                {
                    Array.Fill(sums, int.MinValue);
                    TernaryDot.DotGroup(path, c.Matrix.Group(g), c.Matrix.FullBlocks, qp, 0, c.Matrix.FullBlocks, c.Matrix.HasHalfBlock, sp);
                    for (int r = 0; r < 4; r++) Assert.Equal(CodeDot(c, 4 * g + r, q, 0), sums[r]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void DotGroup4Tokens_IsExact(SimdPath path)
    {
        var random = new Random(12);
        foreach (var shape in Shapes())
        {
            using var c = MakeCase(random, shape);
            var q = KernelTestData.Int8(random, 4 * c.Cols);
            var sums = new int[16];
            fixed (sbyte* qp = q)
            fixed (int* sp = sums)
            {
                for (int g = 0; g < c.Matrix.RowGroups; g++)
                {
                    Array.Fill(sums, int.MinValue);
                    DotGroup4Tokens(path, c.Matrix, g, qp, c.Cols, 0, c.Matrix.FullBlocks, c.Matrix.HasHalfBlock, sp);
                    for (int t = 0; t < 4; t++)
                        for (int r = 0; r < 4; r++) Assert.Equal(CodeDot(c, 4 * g + r, q, t * c.Cols), sums[4 * t + r]);

                    if (c.Matrix.FullBlocks < 2) continue;
                    // A sub-range of blocks (one scale block of a per-256-column matrix), without the half block.
                    Array.Fill(sums, int.MinValue);
                    DotGroup4Tokens(path, c.Matrix, g, qp, c.Cols, 1, 2, false, sp);
                    for (int t = 0; t < 4; t++)
                        for (int r = 0; r < 4; r++)
                            Assert.Equal(CodeDot(c, 4 * g + r, q, t * c.Cols, 256, 512), sums[4 * t + r]);
                }
            }
        }
    }

    [Fact]
    public void DotGroup_WorstCaseActivationsDoNotOverflow()
    {
        // All codes 2 (t = +1) against all -128, and against all 127: the largest int16 partial sums.
        const int cols = 256 * 20;
        var values = new sbyte[4 * cols];
        Array.Fill(values, (sbyte)1);
        using var m = TernaryMatrix.FromTernary(values, 4, cols, [1f], cols);
        foreach (var path in SimdSupport.Supported)
            foreach (sbyte a in new sbyte[] { -128, 127 })
            {
                var q = new sbyte[4 * cols];
                Array.Fill(q, a);
                var sums = new int[16];
                fixed (sbyte* qp = q)
                fixed (int* sp = sums)
                {
                    TernaryDot.DotGroup(path, m.Group(0), m.FullBlocks, qp, 0, m.FullBlocks, false, sp);
                    Assert.True(sums.Take(4).All(s => s == 2 * a * cols), $"{path} {a}: {string.Join(",", sums.Take(4))}");
                    DotGroup4Tokens(path, m, 0, qp, cols, 0, m.FullBlocks, false, sp);
                    Assert.All(sums, s => Assert.Equal(2 * a * cols, s));
                }
            }
    }

    /// <summary>TernaryDot.DotGroup4Tokens, unpacking the group first (into a poisoned scratch) on paths that read it unpacked.</summary>
    static void DotGroup4Tokens(SimdPath path, TernaryMatrix m, int group, sbyte* q, int tokenStride, int blockStart, int blockEnd, bool withHalfBlock, int* sums)
    {
        var unpacked = new byte[TernaryDot.UnpackedGroupBytes(m.FullBlocks) + 64];
        Array.Fill(unpacked, (byte)0xFF); // a code the unpacking failed to write reads as 255
        fixed (byte* scratch = unpacked)
        {
            byte* aligned = (byte*)(((nint)scratch + 63) & ~(nint)63);
            if (TernaryDot.UsesUnpackedGroups(path)) TernaryDot.UnpackGroup(path, m.Group(group), m.FullBlocks, aligned);
            TernaryDot.DotGroup4Tokens(path, m.Group(group), aligned, m.FullBlocks, q, tokenStride, blockStart, blockEnd, withHalfBlock, sums);
        }
    }

    /// <summary>Σ (t+1)·q over a row's columns [from, to) (default: all): the integer the core kernels return (padding rows have t = 0).</summary>
    static int CodeDot(Case c, int row, sbyte[] q, int qOffset, int from = 0, int to = -1)
    {
        int sum = 0;
        for (int col = from; col < (to < 0 ? c.Cols : to); col++)
            sum += ((row < c.Rows ? c.Values[row * c.Cols + col] : 0) + 1) * q[qOffset + col];
        return sum;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatVec_MatchesReference(SimdPath path)
    {
        var random = new Random(21);
        using var pool = new KernelThreadPool(2);
        foreach (var shape in Shapes())
        {
            using var c = MakeCase(random, shape);
            var q = KernelTestData.Int8(random, c.Cols);
            float activationScale = 3.7f;
            var y = KernelTestData.Poisoned(c.Rows);
            TernaryMatVec.Multiply(c.Matrix, q, activationScale, y, pool, path);
            var (expected, magnitude) = Reference(c, q, activationScale);
            AssertWithin(expected, magnitude, y, $"{path} {c.Rows}x{c.Cols}/{c.ScaleBlockCols}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatMul_MatchesReference(SimdPath path)
    {
        var random = new Random(31);
        using var pool = new KernelThreadPool(2);
        foreach (var shape in Shapes())
            foreach (int tokens in new[] { 1, 4, 11 })
            {
                using var c = MakeCase(random, shape);
                var q = KernelTestData.Int8(random, tokens * c.Cols);
                var scales = new float[tokens];
                for (int n = 0; n < tokens; n++) scales[n] = (float)(1 + 10 * random.NextDouble());
                var y = KernelTestData.Poisoned(tokens * c.Rows);
                TernaryMatMul.Multiply(c.Matrix, q, scales, y, pool, path);
                for (int n = 0; n < tokens; n++)
                {
                    var (expected, magnitude) = Reference(c, q.AsSpan(n * c.Cols, c.Cols).ToArray(), scales[n]);
                    AssertWithin(expected, magnitude, y.AsSpan(n * c.Rows, c.Rows), $"{path} token {n} {c.Rows}x{c.Cols}/{c.ScaleBlockCols}");
                }
            }
    }

    [Fact]
    public void MatMul_EqualsMatVecPerToken()
    {
        var random = new Random(41);
        using var pool = new KernelThreadPool(1);
        using var c = MakeCase(random, (21, 2560, 2560, true));
        const int tokens = 9;
        var q = KernelTestData.Int8(random, tokens * c.Cols);
        var scales = Enumerable.Range(1, tokens).Select(n => (float)n).ToArray();
        var batch = KernelTestData.Poisoned(tokens * c.Rows);
        TernaryMatMul.Multiply(c.Matrix, q, scales, batch, pool);
        for (int n = 0; n < tokens; n++)
        {
            var single = KernelTestData.Poisoned(c.Rows);
            TernaryMatVec.Multiply(c.Matrix, q.AsSpan(n * c.Cols, c.Cols), scales[n], single, pool);
            Assert.Equal(single, batch.AsSpan(n * c.Rows, c.Rows).ToArray());
        }
    }

    [Fact]
    public void FromTernary_KeepsOneScalePerRow_WhenEveryNonzeroBlockSharesIt()
    {
        // TQ2_0/TQ1_0 as converters write them: the tensor's scale repeated per 256 columns, arbitrary scales on all-zero blocks.
        var random = new Random(51);
        using var pool = new KernelThreadPool(2);
        const int rows = 9, cols = 1024, blockCols = 256, blocks = cols / blockCols;
        var values = KernelTestData.Ternary(random, rows * cols);
        var scales = new float[rows * blocks];
        for (int r = 0; r < rows; r++)
        {
            float rowScale = (float)(0.5 + random.NextDouble());
            for (int b = 0; b < blocks; b++) scales[r * blocks + b] = rowScale;
            int zeroBlock = r % blocks;
            values.AsSpan(r * cols + zeroBlock * blockCols, blockCols).Clear();
            scales[r * blocks + zeroBlock] = r; // never read: the block has no nonzero value
        }
        using (var c = new Case(values, scales, rows, cols, blockCols))
        {
            Assert.Equal(1, c.Matrix.ScaleBlocksPerRow);
            var q = KernelTestData.Int8(random, cols);
            var y = KernelTestData.Poisoned(rows);
            TernaryMatVec.Multiply(c.Matrix, q, 2.5f, y, pool);
            var (expected, magnitude) = Reference(c, q, 2.5f);
            AssertWithin(expected, magnitude, y, "collapsed scales");
        }

        scales[blocks + (1 + 1) % blocks] *= 2; // row 1: a nonzero block with its own scale
        using var distinct = new Case(values, scales, rows, cols, blockCols);
        Assert.Equal(blocks, distinct.Matrix.ScaleBlocksPerRow);
    }

    [Fact]
    public void MultiplyMany_EqualsOneMatVecPerMatrix()
    {
        // q/k/v-like shapes with per-tensor, per-row and per-256 scales, sharing one input; a 3-thread pool so chunks straddle matrices.
        var random = new Random(61);
        using var pool = new KernelThreadPool(3);
        (int Rows, int ScaleBlockCols, bool PerTensor)[] shapes = [(37, 1024, true), (6, 1024, false), (19, 256, false)];
        var cases = shapes.Select(s => MakeCase(random, (s.Rows, 1024, s.ScaleBlockCols, s.PerTensor))).ToArray();
        try
        {
            var q = KernelTestData.Int8(random, 1024);
            var outputs = cases.Select(c => KernelTestData.Poisoned(c.Rows)).ToArray();
            TernaryMatVec.MultiplyMany(cases.Select(c => c.Matrix).ToArray(), q, 1.7f, outputs, pool);
            for (int i = 0; i < cases.Length; i++)
            {
                var single = KernelTestData.Poisoned(cases[i].Rows);
                TernaryMatVec.Multiply(cases[i].Matrix, q, 1.7f, single, pool);
                Assert.Equal(single, outputs[i]);
            }
        }
        finally
        {
            foreach (var c in cases) c.Dispose();
        }
    }

    [Fact]
    public void FromTernary_RejectsBadInput()
    {
        Assert.Throws<ArgumentOutOfRangeException>("cols", () => TernaryMatrix.FromTernary(new sbyte[100], 1, 100, [1f], 100));
        Assert.Throws<ArgumentOutOfRangeException>("rows", () => TernaryMatrix.FromTernary([], 0, 128, [1f], 128));
        Assert.Throws<ArgumentOutOfRangeException>("scaleBlockCols", () => TernaryMatrix.FromTernary(new sbyte[384], 1, 384, [1f, 1f, 1f], 128));
        Assert.Throws<ArgumentException>("values", () => TernaryMatrix.FromTernary(new sbyte[127], 1, 128, [1f], 128));
        Assert.Throws<ArgumentException>("blockScales", () => TernaryMatrix.FromTernary(new sbyte[512], 1, 512, [1f], 256));
        var bad = new sbyte[128];
        bad[77] = 2;
        var error = Assert.Throws<ArgumentException>("values", () => TernaryMatrix.FromTernary(bad, 1, 128, [1f], 128));
        Assert.Contains("column 77", error.Message);
    }

    [Fact]
    public void MatVec_RejectsWrongLengths()
    {
        using var pool = new KernelThreadPool(1);
        using var m = TernaryMatrix.FromTernary(new sbyte[3 * 128], 3, 128, [1f], 128);
        Assert.Throws<ArgumentException>("q", () => TernaryMatVec.Multiply(m, new sbyte[127], 1f, new float[3], pool));
        Assert.Throws<ArgumentException>("y", () => TernaryMatVec.Multiply(m, new sbyte[128], 1f, new float[4], pool));
        Assert.Throws<ArgumentException>("y", () => TernaryMatMul.Multiply(m, new sbyte[256], [1f, 1f], new float[3], pool));
    }
}
