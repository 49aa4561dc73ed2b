using System.Runtime.Intrinsics;
using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// Attention's products over f16 rows read in place give, to the bit, what <see cref="FloatMath"/>'s products give over
/// the same rows converted to floats first (the path an f16 cache took before, and still takes where the in-place
/// products do not run): the AVX-512 loops against FloatMath's AVX-512 loops, the AVX2 loops against FloatMath.Dot and
/// FloatMath.MultiplyAdd, which is what FloatMath runs without AVX-512. Rows mix random values with subnormal, zero and
/// largest f16 values so that every branch of the conversion is used.
/// </summary>
public unsafe class HalfRowProductsTests
{
    /// <summary>Rows stored as the KV cache stores them, and the same rows loaded back as floats.</summary>
    static (ushort[] Stored, float[] Loaded) Rows(Random random, int count, int dim)
    {
        var stored = new ushort[count * dim];
        var loaded = new float[count * dim];
        var hard = new[] { 0f, -0f, 65504f, -65504f, 6e-8f, -3e-6f, 6.1035156e-5f };
        fixed (ushort* s = stored)
        fixed (float* l = loaded)
        {
            for (int r = 0; r < count; r++)
            {
                var values = KernelTestData.Floats(random, dim, 4f);
                for (int i = 0; i < dim; i += 13) values[i] = hard[random.Next(hard.Length)];
                HalfRows.StoreRow(values, s + r * dim);
            }
            HalfRows.LoadRows(s, count, dim, l);
        }
        return (stored, loaded);
    }

    [Avx512Theory]
    [InlineData(256, 128)]
    [InlineData(7, 128)] // three rows past the last group of four
    [InlineData(2, 64)]  // no group of four at all
    [InlineData(33, 192)]
    public void Avx512_DotRowsFourQueries_MatchesFloatRowsToTheBit(int count, int dim)
    {
        var random = new Random(count * 31 + dim);
        var q = KernelTestData.Floats(random, 4 * dim, 2f);
        var (stored, loaded) = Rows(random, count, dim);
        int stride = count + 5; // results of query h start at h·stride: the gaps stay poisoned
        var expected = KernelTestData.Poisoned(4 * stride);
        var actual = KernelTestData.Poisoned(4 * stride);
        var scratch = new float[3 * dim];
        fixed (float* qp = q)
        fixed (ushort* sp = stored)
        fixed (float* lp = loaded)
        fixed (float* ep = expected)
        fixed (float* ap = actual)
        fixed (float* scratchPointer = scratch)
        {
            FloatMath.DotRowsFourQueries(qp, lp, count, dim, 0.125f, ep, stride);
            HalfRowProductsAvx512.DotRowsFourQueries(qp, sp, count, dim, 0.125f, ap, stride, scratchPointer);
        }
        AssertSameBits(expected, actual, 4, stride, count, "row");
    }

    [Avx512Theory]
    [InlineData(256, 128)]
    [InlineData(3, 64)]
    [InlineData(1, 192)]
    public void Avx512_WeightedSumFourQueries_MatchesFloatRowsToTheBit(int count, int dim)
    {
        var random = new Random(count * 7 + dim);
        int weightStride = count + 3, outputStride = dim + 9; // gaps between the queries' weights and outputs
        var weights = KernelTestData.Floats(random, 4 * weightStride);
        var (stored, loaded) = Rows(random, count, dim);
        var expected = KernelTestData.Poisoned(4 * outputStride);
        var actual = KernelTestData.Poisoned(4 * outputStride);
        fixed (float* wp = weights)
        fixed (ushort* sp = stored)
        fixed (float* lp = loaded)
        fixed (float* ep = expected)
        fixed (float* ap = actual)
        {
            FloatMath.WeightedSumFourQueries(wp, weightStride, lp, count, dim, ep, outputStride);
            HalfRowProductsAvx512.WeightedSumFourQueries(wp, weightStride, sp, count, dim, ap, outputStride);
        }
        AssertSameBits(expected, actual, 4, outputStride, dim, "column");
    }

    [Theory]
    [InlineData(37, 128)]
    [InlineData(4, 32)]
    [InlineData(9, 96)] // a width AVX-512's 64-column loop cannot take: AVX2's runs of 32 can
    public void Avx2_DotRowsFourQueries_MatchesFloatMathDotToTheBit(int count, int dim)
    {
        Assert.True(Vector256.IsHardwareAccelerated, "the AVX2 loops need AVX2");
        var random = new Random(count * 13 + dim);
        var q = KernelTestData.Floats(random, 4 * dim, 2f);
        var (stored, loaded) = Rows(random, count, dim);
        int stride = count + 5;
        var expected = KernelTestData.Poisoned(4 * stride);
        var actual = KernelTestData.Poisoned(4 * stride);
        fixed (float* qp = q)
        fixed (ushort* sp = stored)
        fixed (float* lp = loaded)
        fixed (float* ep = expected)
        fixed (float* ap = actual)
        {
            for (int h = 0; h < 4; h++)
                for (int r = 0; r < count; r++) ep[h * stride + r] = FloatMath.Dot(qp + h * dim, lp + r * dim, dim) * 0.125f;
            HalfRowProductsAvx2.DotRowsFourQueries(qp, sp, count, dim, 0.125f, ap, stride);
        }
        AssertSameBits(expected, actual, 4, stride, count, "row");
    }

    [Theory]
    [InlineData(37, 128)]
    [InlineData(1, 32)]
    [InlineData(6, 96)]
    public void Avx2_WeightedSumFourQueries_MatchesFloatMathMultiplyAddToTheBit(int count, int dim)
    {
        Assert.True(Vector256.IsHardwareAccelerated, "the AVX2 loops need AVX2");
        var random = new Random(count * 5 + dim);
        int weightStride = count + 3, outputStride = dim + 9;
        var weights = KernelTestData.Floats(random, 4 * weightStride);
        var (stored, loaded) = Rows(random, count, dim);
        var expected = KernelTestData.Poisoned(4 * outputStride);
        var actual = KernelTestData.Poisoned(4 * outputStride);
        fixed (float* wp = weights)
        fixed (ushort* sp = stored)
        fixed (float* lp = loaded)
        fixed (float* ep = expected)
        fixed (float* ap = actual)
        {
            for (int h = 0; h < 4; h++)
            {
                new Span<float>(ep + h * outputStride, dim).Clear();
                for (int r = 0; r < count; r++) FloatMath.MultiplyAdd(ep + h * outputStride, wp[h * weightStride + r], lp + r * dim, dim);
            }
            HalfRowProductsAvx2.WeightedSumFourQueries(wp, weightStride, sp, count, dim, ap, outputStride);
        }
        AssertSameBits(expected, actual, 4, outputStride, dim, "column");
    }

    /// <summary>Each query's first <paramref name="length"/> results equal to the bit; the one after them still poisoned.</summary>
    static void AssertSameBits(float[] expected, float[] actual, int queries, int stride, int length, string what)
    {
        for (int h = 0; h < queries; h++)
        {
            for (int i = 0; i < length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[h * stride + i]) == BitConverter.SingleToInt32Bits(actual[h * stride + i]),
                            $"query {h}, {what} {i}: {actual[h * stride + i]} against {expected[h * stride + i]}");
            Assert.True(float.IsNaN(actual[h * stride + length]), $"a value past the last {what} was written");
        }
    }
}

/// <summary>A theory that needs AVX-512, where <see cref="HalfRowProducts"/> runs; skipped, with the reason, elsewhere.</summary>
public sealed class Avx512TheoryAttribute : TheoryAttribute
{
    public Avx512TheoryAttribute()
    {
        if (!Vector512.IsHardwareAccelerated) Skip = "needs AVX-512 (the f16 attention products run only there; other CPUs convert rows to floats first)";
    }
}
