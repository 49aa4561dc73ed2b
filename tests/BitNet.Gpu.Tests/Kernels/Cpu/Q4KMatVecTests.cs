using System.Buffers.Binary;
using BitNet.Gpu.Kernels.Cpu;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// The Q4_K product on every SIMD path against a double-precision sum over the weights as ggml dequantizes them
/// (<see cref="Q4_K.Dequantize"/>), on random blocks. Tolerance as for Q6_K: the SIMD paths round x to int8 per 256
/// values, as llama.cpp does, so a row may move by up to Σ|w|·step_b/2 (step_b = max|x in block b| / 127); every path
/// also sums floats in another order (1e-5 of Σ|w·x|).
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
            x[random.Next(cols)] = 60; // an outlier, as hidden states have: it sets its block's step
            using var matrix = Q4KMatrix.FromBlocks(blocks, rows, cols);
            var y = KernelTestData.Poisoned(rows);
            Q4KMatVec.Multiply(matrix, x, y, pool, path);

            KernelTestData.AssertWithinBlockInt8Rounding(Array.ConvertAll(weights, w => (double)w), rows, cols, x, y,
                rounded: SimdSupport.HasAvx2(path), $"{path} {rows}×{cols}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ExtremeCodesScalesAndActivations_StayExact(SimdPath path)
    {
        // Every code 15 (or 0), every scale and min 63, against x at ±max: the int16 and int32 partial sums at their limits.
        using var pool = new KernelThreadPool(1);
        const int cols = 2560;
        foreach (byte codes in new byte[] { 0x00, 0xFF })
            foreach (float sign in new[] { 1f, -1f })
            {
                var blocks = new byte[cols / 256 * 144];
                for (int b = 0; b < cols / 256; b++)
                {
                    var block = blocks.AsSpan(144 * b, 144);
                    BinaryPrimitives.WriteHalfLittleEndian(block, (Half)0.01);
                    BinaryPrimitives.WriteHalfLittleEndian(block[2..], (Half)0.02);
                    block.Slice(4, 12).Fill(0xFF); // scales and mins all 63
                    block[16..].Fill(codes);
                }
                var weights = new float[cols];
                Q4_K.Dequantize(blocks, weights);
                var x = Enumerable.Range(0, cols).Select(c => sign * (c % 5 == 0 ? -3f : 3f)).ToArray(); // codes ±127 after rounding
                using var matrix = Q4KMatrix.FromBlocks(blocks, 1, cols);
                var y = KernelTestData.Poisoned(1);
                Q4KMatVec.Multiply(matrix, x, y, pool, path);
                KernelTestData.AssertWithinBlockInt8Rounding(Array.ConvertAll(weights, w => (double)w), 1, cols, x, y,
                    rounded: SimdSupport.HasAvx2(path), $"{path} codes {codes:X2} sign {sign}");
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
