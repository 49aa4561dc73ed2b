using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>Norm, RoPE, softmax, attention and element-wise kernels vs double references (tolerances stated per test).</summary>
public class DenseKernelTests
{
    static readonly int[] Lengths = [1, 7, 64, 2560, 6912 + 3];

    [Fact]
    public void RmsNorm_MatchesReference()
    {
        var random = new Random(1);
        foreach (int n in Lengths)
        {
            var x = KernelTestData.Floats(random, n, 5f);
            var weight = KernelTestData.Floats(random, n, 2f);
            var y = KernelTestData.Poisoned(n);
            RmsNorm.Apply(x, weight, 1e-5f, y);
            double meanSquare = x.Sum(v => (double)v * v) / n;
            var expected = x.Select((v, i) => v / Math.Sqrt(meanSquare + 1e-5) * weight[i]).ToArray();
            KernelTestData.AssertClose(expected, y, 1e-5, what: $"rmsnorm n={n}");
        }
    }

    [Fact]
    public void Rope_MatchesReference()
    {
        var random = new Random(2);
        const int headDim = 128, heads = 5;
        foreach (int position in new[] { 0, 1, 17, 4095 })
        {
            var x = KernelTestData.Floats(random, heads * headDim, 3f);
            var y = (float[])x.Clone();
            Rope.Apply(y, headDim, position, 500000f);
            var expected = new double[x.Length];
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < headDim / 2; i++)
                {
                    double angle = position / Math.Pow(500000.0, 2.0 * i / headDim);
                    double a = x[h * headDim + i], b = x[h * headDim + i + headDim / 2];
                    expected[h * headDim + i] = a * Math.Cos(angle) - b * Math.Sin(angle);
                    expected[h * headDim + i + headDim / 2] = a * Math.Sin(angle) + b * Math.Cos(angle);
                }
            KernelTestData.AssertClose(expected, y, 1e-5, floor: 1.0, what: $"rope pos={position}"); // absolute 1e-5 for |x| ~ 1
        }
    }

    [Fact]
    public unsafe void SoftmaxHelpers_MatchReference()
    {
        // The steps attention normalizes with: max, exp(x − max) in place with its sum, then a scale by 1/sum.
        var random = new Random(3);
        foreach (int n in Lengths)
        {
            var x = KernelTestData.Floats(random, n, 20f);
            var y = (float[])x.Clone();
            fixed (float* p = y)
            {
                float shift = FloatMath.Max(p, n);
                float total = FloatMath.ExpShiftedInPlace(p, shift, n);
                FloatMath.Scale(p, 1f / total, p, n);
            }
            double max = x.Max();
            double sum = x.Sum(v => Math.Exp(v - max));
            KernelTestData.AssertClose(x.Select(v => Math.Exp(v - max) / sum).ToArray(), y, 1e-5, floor: 1e-12, what: $"softmax n={n}");
        }
    }

    [Theory]
    [InlineData(20, 5, 128, 1, KvCacheElement.Single)]
    [InlineData(20, 5, 128, 37, KvCacheElement.Single)]
    [InlineData(6, 2, 16, 100, KvCacheElement.Single)]
    [InlineData(3, 3, 8, 5, KvCacheElement.Single)]
    [InlineData(4, 1, 32, 128, KvCacheElement.Single)] // one kv head: the cache is split into ranges that are combined afterwards
    [InlineData(8, 2, 128, 1100, KvCacheElement.Single)] // a long history: ranges bounded by L2 (256 positions of 128 floats), 5 per kv head
    [InlineData(20, 5, 128, 37, KvCacheElement.Half)]
    [InlineData(6, 2, 16, 100, KvCacheElement.Half)] // rows shorter than one interleaved run: stored in order
    [InlineData(6, 2, 80, 70, KvCacheElement.Half)]  // two runs and a tail of 16
    [InlineData(8, 2, 128, 1100, KvCacheElement.Half)]
    public void Attention_MatchesReference(int heads, int kvHeads, int headDim, int positions, KvCacheElement element)
    {
        var random = new Random(4 + positions);
        int capacity = Math.Max(128, positions + 3);
        using var cache = new KvCache(layers: 2, kvHeads, capacity, headDim, element);
        int kvWidth = kvHeads * headDim;
        var keys = new float[capacity * kvWidth];   // [position][kvHead][d], as stored
        var values = new float[capacity * kvWidth];
        for (int p = 0; p < capacity; p++) // positions beyond the attended ones hold data too: they must be ignored
        {
            var k = KernelTestData.Floats(random, kvWidth);
            var v = KernelTestData.Floats(random, kvWidth);
            cache.Store(1, p, k, v);
            k.CopyTo(keys, p * kvWidth);
            v.CopyTo(values, p * kvWidth);
        }
        var q = KernelTestData.Floats(random, heads * headDim, 2f);
        var output = KernelTestData.Poisoned(heads * headDim);
        using var pool = new KernelThreadPool(2);
        Attention.Compute(q, cache, 1, positions, output, pool);

        // An f16 cache holds each value rounded to the nearest f16: the reference attends over exactly those.
        Func<float, double> held = element == KvCacheElement.Half ? x => (double)(Half)x : x => x;
        var expected = new double[heads * headDim];
        for (int h = 0; h < heads; h++)
        {
            int kv = h / (heads / kvHeads);
            var scores = new double[positions];
            for (int p = 0; p < positions; p++)
            {
                double dot = 0;
                for (int d = 0; d < headDim; d++) dot += q[h * headDim + d] * held(keys[p * kvWidth + kv * headDim + d]);
                scores[p] = dot / Math.Sqrt(headDim);
            }
            double max = scores.Max();
            double sum = scores.Sum(s => Math.Exp(s - max));
            for (int p = 0; p < positions; p++)
                for (int d = 0; d < headDim; d++)
                    expected[h * headDim + d] += Math.Exp(scores[p] - max) / sum * held(values[p * kvWidth + kv * headDim + d]);
        }
        KernelTestData.AssertClose(expected, output, 1e-4, floor: 1.0, what: "attention"); // absolute 1e-4 for values in [-1, 1]
    }

    [Theory]
    [InlineData(20, 5, 128, 0, 9, KvCacheElement.Single)]
    [InlineData(6, 2, 16, 30, 17, KvCacheElement.Single)]
    [InlineData(8, 2, 128, 600, 5, KvCacheElement.Single)] // past 256 positions: the prompt path goes block by block, the one-query path range by range
    [InlineData(8, 2, 128, 600, 5, KvCacheElement.Half)]
    public void AttentionBatch_MatchesOneQueryAtATime(int heads, int kvHeads, int headDim, int firstPosition, int tokens, KvCacheElement element)
    {
        var random = new Random(6 + tokens);
        int capacity = Math.Max(64, firstPosition + tokens + 3);
        using var cache = new KvCache(layers: 1, kvHeads, capacity, headDim, element);
        for (int p = 0; p < capacity; p++)
            cache.Store(0, p, KernelTestData.Floats(random, kvHeads * headDim), KernelTestData.Floats(random, kvHeads * headDim));
        int width = heads * headDim;
        var q = KernelTestData.Floats(random, tokens * width, 2f);
        var batch = KernelTestData.Poisoned(tokens * width);
        using var pool = new KernelThreadPool(3);
        Attention.ComputeBatch(q, cache, 0, firstPosition, tokens, batch, pool);
        for (int t = 0; t < tokens; t++)
        {
            var single = KernelTestData.Poisoned(width);
            Attention.Compute(q.AsSpan(t * width, width), cache, 0, firstPosition + t + 1, single, pool);
            // Same math; the one-query path splits the cache into ranges, so float sums differ in order.
            KernelTestData.AssertClose(single.Select(v => (double)v).ToArray(), batch.AsSpan(t * width, width).ToArray(), 1e-5, floor: 1.0, what: $"token {t}");
        }
    }

    [Theory]
    [InlineData(256, 128)]
    [InlineData(7, 128)] // rows past the last group of four go through DotRows
    [InlineData(5, 24)]  // a width the 16-wide loop cannot take: all through DotRows
    public unsafe void DotRowsFourQueries_MatchesDoubleDots(int count, int dim)
    {
        var random = new Random(count + dim);
        var q = KernelTestData.Floats(random, 4 * dim, 2f);
        var rows = KernelTestData.Floats(random, count * dim);
        const int stride = 300; // results of query h start at h·stride: the gaps stay poisoned
        var results = KernelTestData.Poisoned(4 * stride);
        fixed (float* qp = q)
        fixed (float* rp = rows)
        fixed (float* op = results)
            FloatMath.DotRowsFourQueries(qp, rp, count, dim, 0.25f, op, stride);
        for (int h = 0; h < 4; h++)
        {
            var expected = Enumerable.Range(0, count)
                .Select(r => 0.25 * Enumerable.Range(0, dim).Sum(i => (double)q[h * dim + i] * rows[r * dim + i])).ToArray();
            KernelTestData.AssertClose(expected, results.AsSpan(h * stride, count).ToArray(), 1e-5, floor: 1.0, what: $"query {h}");
            Assert.True(float.IsNaN(results[h * stride + count]), "a result past the rows was written");
        }
    }

    [Theory]
    [InlineData(256, 128)]
    [InlineData(3, 64)]
    [InlineData(9, 48)] // a width the 64-column loop cannot take: four WeightedSum calls
    public unsafe void WeightedSumFourQueries_MatchesDoubleSums(int count, int dim)
    {
        var random = new Random(count * dim);
        const int weightStride = 260, outputStride = 140; // gaps between the queries' weights and outputs
        var weights = KernelTestData.Floats(random, 4 * weightStride);
        var rows = KernelTestData.Floats(random, count * dim, 3f);
        var output = KernelTestData.Poisoned(4 * outputStride);
        fixed (float* wp = weights)
        fixed (float* rp = rows)
        fixed (float* op = output)
            FloatMath.WeightedSumFourQueries(wp, weightStride, rp, count, dim, op, outputStride);
        for (int h = 0; h < 4; h++)
        {
            var expected = Enumerable.Range(0, dim)
                .Select(i => Enumerable.Range(0, count).Sum(r => (double)weights[h * weightStride + r] * rows[r * dim + i])).ToArray();
            KernelTestData.AssertClose(expected, output.AsSpan(h * outputStride, dim).ToArray(), 1e-5, floor: 1.0, what: $"query {h}");
            Assert.True(float.IsNaN(output[h * outputStride + dim]), "an output past the row width was written");
        }
    }

    [Fact]
    public void ElementWise_MatchReference()
    {
        var random = new Random(5);
        foreach (int n in Lengths)
        {
            var a = KernelTestData.Floats(random, n, 3f);
            var b = KernelTestData.Floats(random, n, 3f);
            var y = KernelTestData.Poisoned(n);
            ElementWise.Add(a, b, y);
            Assert.Equal(a.Zip(b, (u, v) => u + v).ToArray(), y);
            y = KernelTestData.Poisoned(n);
            ElementWise.Multiply(a, b, y);
            Assert.Equal(a.Zip(b, (u, v) => u * v).ToArray(), y);
            y = KernelTestData.Poisoned(n);
            ElementWise.ReluSquaredGate(a, b, y);
            KernelTestData.AssertClose(a.Zip(b, (g, u) => Math.Max(g, 0.0) * Math.Max(g, 0.0) * u).ToArray(), y, 1e-6, what: "relu2");
            Assert.Contains(a, g => g < 0); // the relu branch is exercised
        }
    }

    [Fact]
    public void Kernels_RejectBadArguments()
    {
        Assert.Throws<ArgumentException>("weight", () => RmsNorm.Apply(new float[4], new float[3], 1e-5f, new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>("headDim", () => Rope.Apply(new float[6], 3, 0, 10000f));
        Assert.Throws<ArgumentException>("result", () => ElementWise.Add(new float[4], new float[4], new float[3]));
        using var cache = new KvCache(1, 1, 4, 8);
        using var pool = new KernelThreadPool(1);
        Assert.Throws<ArgumentOutOfRangeException>("positions", () => Attention.Compute(new float[8], cache, 0, 5, new float[8], pool));
        Assert.Throws<ArgumentOutOfRangeException>("position", () => cache.Store(0, 4, new float[8], new float[8]));
    }
}
