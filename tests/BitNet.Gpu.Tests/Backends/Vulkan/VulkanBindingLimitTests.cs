using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// Tensors larger than one storage-buffer binding (lavapipe allows 128 MiB; the 2B4T embedding is 657 MB) are bound
/// as several windows of whole rows. The limit is lowered to 16 KiB here so small tensors need many windows.
/// </summary>
public sealed class VulkanBindingLimitTests
{
    const long ReducedLimit = 16 * 1024;

    static float[] RandomValues(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [VulkanTheory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.F32)]
    public void Embed_TableLargerThanOneBinding_ReadsRowsFromEveryChunk(GgmlType type)
    {
        using var weights = new WeightFile(seed: 40);
        string name = weights.AddDense("token_embd.weight", type, rows: 300, cols: 64);
        int[] tokens = [0, 299, 128, 127, 255, 256, 5];   // first and last rows, and rows on both sides of chunk edges
        float[] Run(IComputeBackend b, Action<DeviceWeight>? inspect = null)
        {
            using var table = b.UploadDense(weights.File, weights[name]);
            inspect?.Invoke(table);
            using var output = b.AllocateActivations(tokens.Length, 64);
            b.Write(output, tokens.Length, Enumerable.Repeat(float.NaN, tokens.Length * 64).ToArray());
            b.BeginStep(tokens, 0);
            b.Embed(table, output, tokens.Length);
            var values = new float[tokens.Length * 64];
            b.Read(output, tokens.Length, values);
            return values;
        }
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend(ReducedLimit);
        var expected = Run(reference);
        var actual = Run(vulkan, table =>
        {
            Assert.True(table.ByteSize > ReducedLimit, $"the table ({table.ByteSize} bytes) must exceed the binding limit");
            Assert.True(((VulkanDenseWeight)table).Chunks.Count >= 2, "the table was not split");
        });
        BackendOpsTests.AssertClose(expected, actual, 1e-6, $"embed {type} across binding chunks");
    }

    [VulkanFact]
    public void DenseMatMul_WeightAndOutputLargerThanOneBinding_SplitsRowsAndTokens()
    {
        const int rows = 301, cols = 256, tokens = 20;   // weight 154 KB in 10 windows; output 24 KB in 2 token groups
        using var weights = new WeightFile(seed: 41);
        string name = weights.AddDense("output.weight", GgmlType.F16, rows, cols, scale: 0.05f);
        var x = RandomValues(42, tokens * cols);
        float[] Run(IComputeBackend b)
        {
            using var w = b.UploadDense(weights.File, weights[name]);
            using var input = b.AllocateActivations(tokens, cols);
            using var output = b.AllocateActivations(tokens, rows);
            b.Write(input, tokens, x);
            b.Write(output, tokens, Enumerable.Repeat(float.NaN, tokens * rows).ToArray());
            b.BeginStep(new int[tokens], 0);
            b.DenseMatMul(w, input, output, tokens);
            var values = new float[tokens * rows];
            b.Read(output, tokens, values);
            return values;
        }
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend(ReducedLimit);
        Assert.True(tokens * rows * 4L > ReducedLimit);
        BackendOpsTests.AssertClose(Run(reference), Run(vulkan), 1e-4, "dense f16 across binding chunks and token groups");
    }

    [VulkanFact]
    public void KvCacheLayerLargerThanOneBinding_IsRejectedWithTheLimit()
    {
        using var vulkan = VulkanTestDevice.CreateBackend(ReducedLimit);
        var error = Assert.Throws<ArgumentException>(() => vulkan.AllocateKvCache(layers: 1, sequences: 1, contextLength: 64, keyValueHeads: 2, headDim: 64, KvCacheType.F32));
        Assert.Contains("16,384", error.Message);
    }

    [VulkanFact]
    public void KvCacheLayerOfSeveralSequences_CountsEverySequenceAgainstTheLimit()
    {
        using var vulkan = VulkanTestDevice.CreateBackend(ReducedLimit);
        // 32 positions × 2 heads × 64 floats fill one binding exactly; a layer binds every sequence's positions at once.
        vulkan.AllocateKvCache(layers: 1, sequences: 1, contextLength: 32, keyValueHeads: 2, headDim: 64, KvCacheType.F32).Dispose();
        var error = Assert.Throws<ArgumentException>(() => vulkan.AllocateKvCache(layers: 1, sequences: 2, contextLength: 32, keyValueHeads: 2, headDim: 64, KvCacheType.F32));
        Assert.Contains("32,768", error.Message);
        Assert.Contains("fewer than 2 sequences", error.Message);
    }

    [Fact]
    public void RowRangeSplit_KeepsEveryWindowWithinTheLimitAndAligned()
    {
        var ranges = RowRange.Split(rows: 1000, rowBytes: 1204, maxBytes: 16384, alignment: 16);
        Assert.Equal(1000, ranges.Sum(r => r.Count));
        for (int i = 0; i < ranges.Count; i++)
        {
            Assert.Equal(i == 0 ? 0 : ranges[i - 1].First + ranges[i - 1].Count, ranges[i].First);
            Assert.True(ranges[i].Count * 1204L <= 16384);
            Assert.Equal(0, ranges[i].First * 1204L % 16);
        }
        Assert.Throws<VulkanException>(() => RowRange.Split(rows: 10, rowBytes: 20000, maxBytes: 16384, alignment: 16));

        // Two buffers read together (x: 1024-byte rows, y: 1204-byte rows): both windows aligned and within the limit.
        var shared = RowRange.Split(rows: 50, [1024L, 1204L], maxBytes: 16384, alignment: 16);
        Assert.Equal(50, shared.Sum(r => r.Count));
        Assert.All(shared, r => Assert.True(r.First * 1204L % 16 == 0 && r.First * 1024L % 16 == 0 && r.Count * 1204L <= 16384));
    }
}
