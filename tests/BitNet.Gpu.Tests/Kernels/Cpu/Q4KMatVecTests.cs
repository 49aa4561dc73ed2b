using System.Buffers.Binary;
using BitNet.Gpu.Kernels.Cpu;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// The Q4_K product on every SIMD path against a double-precision sum over the weights as ggml dequantizes them
/// (<see cref="Q4_K.Dequantize"/>), on random blocks. Tolerance as for Q6_K: the SIMD path rounds x to int16, so a row
/// may move by up to Σ|w|·step/2 (step = max|x| / 32767); both paths also sum floats in another order (1e-5 of Σ|w·x|).
/// </summary>
public class Q4KMatVecTests
{
    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    /// <summary>rows × cols of random Q4_K blocks (every code, scale, min and nibble pattern) and their dequantized values.</summary>
    static (byte[] Blocks, float[] Weights) RandomMatrix(Random random, int rows, int cols)
    {
        int blocks = rows * cols / 256;
        var data = new byte[blocks * 144];
        random.NextBytes(data);
        for (int b = 0; b < blocks; b++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(144 * b), (Half)(random.NextDouble() * 0.001));
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(144 * b + 2), (Half)(random.NextDouble() * 0.004));
        }
        var weights = new float[rows * cols];
        Q4_K.Dequantize(data, weights);
        return (data, weights);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesTheDequantizedReference(SimdPath path)
    {
        var random = new Random(33);
        using var pool = new KernelThreadPool(2);
        foreach (var (rows, cols) in new[] { (37, 256), (9, 2560), (130, 512) })
        {
            var (blocks, weights) = RandomMatrix(random, rows, cols);
            // Not centred on zero: the mins' term dmin·min·Σx would mostly cancel out for a zero-mean x.
            var x = Array.ConvertAll(KernelTestData.Floats(random, cols, 2f), v => v + 1.5f);
            x[random.Next(cols)] = 60; // an outlier, as hidden states have: it sets the int16 step
            using var matrix = Q4KMatrix.FromBlocks(blocks, rows, cols);
            var y = KernelTestData.Poisoned(rows);
            Q4KMatVec.Multiply(matrix, x, y, pool, path);

            KernelTestData.AssertWithinInt16Rounding(Array.ConvertAll(weights, w => (double)w), rows, cols, x, y, $"{path} {rows}×{cols}");
        }
    }

    [Fact]
    public void CopyRow_IsTheDequantizedRow_AndShapesAreChecked()
    {
        var (blocks, weights) = RandomMatrix(new Random(34), 3, 512);
        using var matrix = Q4KMatrix.FromBlocks(blocks, 3, 512);
        var row = KernelTestData.Poisoned(512);
        matrix.CopyRow(2, row);
        Assert.Equal(weights.AsSpan(1024, 512).ToArray(), row);
        Assert.Equal(3 * 2 * 144, matrix.ByteSize);

        Assert.Throws<ArgumentOutOfRangeException>("row", () => matrix.CopyRow(3, row));
        Assert.Throws<ArgumentException>("cols", () => Q4KMatrix.FromBlocks(blocks, 6, 100));
        Assert.Throws<ArgumentException>("blocks", () => Q4KMatrix.FromBlocks(blocks.AsSpan(1).ToArray(), 3, 512));
        using var pool = new KernelThreadPool(1);
        Assert.Throws<ArgumentException>("y", () => Q4KMatVec.Multiply(matrix, new float[512], new float[2], pool));
    }
}
