using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// The int8-group product (Q8_0 output layers) on every SIMD path against a double-precision sum of scale·code·x.
/// Tolerance: the x86 paths round x to int16, so a row may move by up to Σ|w|·step/2 (step = max|x| / 32767); every
/// path also sums floats in another order (1e-5 of Σ|w·x|).
/// </summary>
public class Int8GroupMatVecTests
{
    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesTheDoubleReference(SimdPath path)
    {
        var random = new Random(23);
        using var pool = new KernelThreadPool(2);
        foreach (var (rows, cols, groupCols) in new[] { (37, 256, 16), (41, 512, 32), (5, 2560, 16), (130, 96, 32) })
        {
            var codes = KernelTestData.Int8(random, rows * cols);
            var scales = KernelTestData.Floats(random, rows * (cols / groupCols), 0.01f);
            var x = KernelTestData.Floats(random, cols, 3f);
            x[random.Next(cols)] = -80; // an outlier, as hidden states have: it sets the int16 step
            using var matrix = Int8GroupMatrix.FromCodes(codes, scales, rows, cols, groupCols);
            var y = KernelTestData.Poisoned(rows);
            Int8GroupMatVec.Multiply(matrix, x, y, pool, path);

            var weights = new double[rows * cols];
            for (int i = 0; i < weights.Length; i++) weights[i] = scales[i / groupCols] * codes[i]; // rows hold whole groups
            KernelTestData.AssertWithinInt16Rounding(weights, rows, cols, x, y, $"{path} {rows}×{cols}/{groupCols}");
        }
    }

    [Fact]
    public void CopyRow_IsScaleTimesCode_AndShapesAreChecked()
    {
        var codes = new sbyte[] { 1, -2, 3, -128 }.SelectMany(v => Enumerable.Repeat(v, 16)).ToArray(); // 2 rows × 32
        using var matrix = Int8GroupMatrix.FromCodes(codes, [0.5f, 2f, -1f, 0.25f], rows: 2, cols: 32, groupCols: 16);
        var row = new float[32];
        matrix.CopyRow(1, row);
        Assert.Equal(Enumerable.Repeat(-3f, 16).Concat(Enumerable.Repeat(-32f, 16)), row);
        Assert.Equal(2 * 32 + 4 * 4, matrix.ByteSize);

        Assert.Throws<ArgumentOutOfRangeException>("row", () => matrix.CopyRow(2, row));
        Assert.Throws<ArgumentException>("groupCols", () => Int8GroupMatrix.FromCodes(codes, [1f, 1f], 2, 32, 24));
        Assert.Throws<ArgumentException>("scales", () => Int8GroupMatrix.FromCodes(codes, [1f], 2, 32, 16));
        using var pool = new KernelThreadPool(1);
        Assert.Throws<ArgumentException>("x", () => Int8GroupMatVec.Multiply(matrix, new float[31], new float[2], pool));
    }
}
