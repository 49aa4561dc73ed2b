using System.Buffers.Binary;
using BitNet.Gpu.Kernels.Cpu;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// The Q6_K product on every SIMD path against a double-precision sum over the weights as ggml dequantizes them
/// (<see cref="Q6_K.Dequantize"/>), on random blocks. Tolerance: the SIMD paths round x to int8 per 256 values, as
/// llama.cpp does, so a row may move by up to Σ|w|·step_b/2 (step_b = max|x in block b| / 127); every path also sums
/// floats in another order (1e-5 of Σ|w·x|).
/// </summary>
public class Q6KMatVecTests
{
    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    /// <summary>rows × cols of random Q6_K blocks (every code, scale sign and nibble pattern) and their dequantized values.</summary>
    static (byte[] Blocks, float[] Weights) RandomMatrix(Random random, int rows, int cols)
    {
        int blocks = rows * cols / 256;
        var data = new byte[blocks * 210];
        random.NextBytes(data);
        for (int b = 0; b < blocks; b++)
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(210 * b + 208), (Half)((random.NextDouble() * 2 - 1) * 0.001));
        var weights = new float[rows * cols];
        Q6_K.Dequantize(data, weights);
        return (data, weights);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesTheDequantizedReference(SimdPath path)
    {
        var random = new Random(31);
        using var pool = new KernelThreadPool(2);
        foreach (var (rows, cols) in new[] { (37, 256), (9, 2560), (130, 512) })
        {
            var (blocks, weights) = RandomMatrix(random, rows, cols);
            var x = KernelTestData.Floats(random, cols, 2f);
            x[random.Next(cols)] = 60; // an outlier, as hidden states have: it sets its block's step
            using var matrix = Q6KMatrix.FromBlocks(blocks, rows, cols);
            var y = KernelTestData.Poisoned(rows);
            Q6KMatVec.Multiply(matrix, x, y, pool, path);

            KernelTestData.AssertWithinBlockInt8Rounding(Array.ConvertAll(weights, w => (double)w), rows, cols, x, y,
                rounded: SimdSupport.HasAvx2(path), $"{path} {rows}×{cols}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ExtremeCodesAndActivations_StayExact(SimdPath path)
    {
        // Every code 63 or 0 with scale ±128/127 against x at ±max: the int16 and int32 partial sums at their limits.
        using var pool = new KernelThreadPool(1);
        const int cols = 2560;
        foreach (byte code in new byte[] { 0x00, 0xFF })
            foreach (sbyte scale in new sbyte[] { -128, 127 })
            {
                var blocks = new byte[cols / 256 * 210];
                for (int b = 0; b < cols / 256; b++)
                {
                    var block = blocks.AsSpan(210 * b, 210);
                    block[..192].Fill(code);
                    block.Slice(192, 16).Fill((byte)scale);
                    BinaryPrimitives.WriteHalfLittleEndian(block[208..], (Half)0.5);
                }
                var weights = new float[cols];
                Q6_K.Dequantize(blocks, weights);
                var x = Enumerable.Range(0, cols).Select(c => c % 3 == 0 ? -4f : 4f).ToArray(); // every code ±127 after rounding
                using var matrix = Q6KMatrix.FromBlocks(blocks, 1, cols);
                var y = KernelTestData.Poisoned(1);
                Q6KMatVec.Multiply(matrix, x, y, pool, path);
                KernelTestData.AssertWithinBlockInt8Rounding(Array.ConvertAll(weights, w => (double)w), 1, cols, x, y,
                    rounded: SimdSupport.HasAvx2(path), $"{path} code {code:X2} scale {scale}");
            }
    }

    [Fact]
    public void CopyRow_IsTheDequantizedRow_AndShapesAreChecked()
    {
        var (blocks, weights) = RandomMatrix(new Random(32), 3, 512);
        using var matrix = Q6KMatrix.FromBlocks(blocks, 3, 512);
        var row = KernelTestData.Poisoned(512);
        matrix.CopyRow(2, row);
        Assert.Equal(weights.AsSpan(1024, 512).ToArray(), row);
        Assert.Equal(3 * 2 * 210, matrix.ByteSize);

        Assert.Throws<ArgumentOutOfRangeException>("row", () => matrix.CopyRow(3, row));
        Assert.Throws<ArgumentException>("cols", () => Q6KMatrix.FromBlocks(blocks, 6, 100));
        Assert.Throws<ArgumentException>("blocks", () => Q6KMatrix.FromBlocks(blocks.AsSpan(1).ToArray(), 3, 512));
        using var pool = new KernelThreadPool(1);
        Assert.Throws<ArgumentException>("y", () => Q6KMatVec.Multiply(matrix, new float[512], new float[2], pool));
    }
}
