using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>
/// The int8 × int16 dot product against a plain long-integer sum: exact, so compared for equality, on random inputs and
/// on the worst case for overflow (every product at its largest, one sign).
/// </summary>
public class Int8Int16DotTests
{
    public static TheoryData<SimdPath> Paths() => KernelTestData.SupportedPaths();

    static long Reference(sbyte[] codes, short[] q)
    {
        long sum = 0;
        for (int c = 0; c < codes.Length; c++) sum += (long)codes[c] * q[c];
        return sum;
    }

    static unsafe long Dot(SimdPath path, sbyte[] codes, short[] q)
    {
        fixed (sbyte* cp = codes)
        fixed (short* qp = q)
            return Int8Int16Dot.Dot(path, cp, qp, codes.Length);
    }

    /// <summary>One row's sums against <paramref name="vectors"/> copies of <paramref name="q"/>.</summary>
    static unsafe long[] DotBlock(SimdPath path, sbyte[] codes, short[] q, int vectors)
    {
        var copies = Enumerable.Repeat(q, vectors).SelectMany(v => v).ToArray();
        var sums = new long[vectors];
        fixed (sbyte* cp = codes)
        fixed (short* qp = copies)
        fixed (long* sp = sums)
            Int8Int16Dot.DotBlock(path, cp, codes.Length, 1, qp, q.Length, vectors, codes.Length, sp, vectors);
        return sums;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RandomInputs_MatchTheIntegerSum(SimdPath path)
    {
        var random = new Random(71);
        foreach (int cols in new[] { 1, 15, 16, 31, 33, 64, 100, 2560, 2563 })
        {
            int largest = Int8Int16Dot.LargestActivation(cols);
            var codes = new sbyte[cols];
            var q = new short[cols];
            for (int c = 0; c < cols; c++)
            {
                codes[c] = (sbyte)random.Next(-127, 128);
                q[c] = (short)random.Next(-largest, largest + 1);
            }
            Assert.Equal(Reference(codes, q), Dot(path, codes, q));
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public unsafe void DotBlock_GivesEachRowAndVectorItsOwnSum(SimdPath path)
    {
        var random = new Random(73);
        foreach (int cols in new[] { 1, 17, 48, 100, 2560, 2563 })
            foreach (int vectors in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 })
                foreach (int rows in new[] { 1, 3, 16 })
                {
                    int largest = Int8Int16Dot.LargestActivation(cols);
                    var codes = new sbyte[rows * cols];
                    var q = new short[vectors * cols];
                    for (int i = 0; i < codes.Length; i++) codes[i] = (sbyte)random.Next(-127, 128);
                    for (int i = 0; i < q.Length; i++) q[i] = (short)random.Next(-largest, largest + 1);
                    Array.Fill(q, (short)largest, 0, cols);        // vector 0 and row 0 at the overflow bound
                    Array.Fill(codes, (sbyte)127, 0, cols);
                    const int sumStride = 11;                      // wider than any batch here: gaps must stay untouched
                    var sums = Enumerable.Repeat(long.MinValue, rows * sumStride).ToArray(); // an unwritten sum fails
                    fixed (sbyte* cp = codes)
                    fixed (short* qp = q)
                    fixed (long* sp = sums)
                        Int8Int16Dot.DotBlock(path, cp, cols, rows, qp, cols, vectors, cols, sp, sumStride);
                    for (int i = 0; i < rows; i++)
                    {
                        var row = codes.AsSpan(i * cols, cols).ToArray();
                        for (int t = 0; t < vectors; t++)
                            Assert.Equal(Reference(row, q.AsSpan(t * cols, cols).ToArray()), sums[i * sumStride + t]);
                        for (int t = vectors; t < sumStride; t++) Assert.Equal(long.MinValue, sums[i * sumStride + t]);
                    }
                }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void LargestProducts_DoNotOverflow(SimdPath path)
    {
        foreach (int cols in new[] { 2560, 6912, 20000 })
        {
            int largest = Int8Int16Dot.LargestActivation(cols);
            var codes = Enumerable.Repeat((sbyte)-127, cols).ToArray();
            var q = Enumerable.Repeat((short)largest, cols).ToArray();
            long expected = -127L * largest * cols;
            Assert.Equal(expected, Reference(codes, q));
            Assert.Equal(expected, Dot(path, codes, q));
            Assert.All(DotBlock(path, codes, q, vectors: 4), sum => Assert.Equal(expected, sum)); // the 4-vector tiles
        }
    }

    [Fact]
    public void LargestActivation_KeepsEveryLaneBelowTwoToThe31()
    {
        Assert.Equal(short.MaxValue, Int8Int16Dot.LargestActivation(64));
        foreach (int cols in new[] { 1, 2560, 6912, 20000, 1 << 20 })
        {
            long largest = Int8Int16Dot.LargestActivation(cols);
            Assert.InRange(largest, 1, short.MaxValue);
            Assert.True(127 * largest * ((cols + 3) / 4) <= int.MaxValue, $"cols {cols}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Int8Int16Dot.LargestActivation(0));
    }
}
