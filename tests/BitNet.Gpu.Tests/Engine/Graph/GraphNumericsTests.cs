using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Graph;

/// <summary>
/// The whole graph on random synthetic models of every architecture and ternary format: the CPU backend's logits
/// against the reference backend's, for a prompt processed in batches and for the same tokens one at a time, and
/// the two ways against each other. Every backend's whole-model check uses <see cref="AssertLogitsClose"/>.
/// </summary>
public class GraphNumericsTests
{
    static readonly BackendRegistry Registry = new();

    /// <summary>
    /// The whole-model tolerance shared by every backend: max |Δlogit| ≤ 1% and mean |Δlogit| ≤ 0.05% of the largest
    /// logit. The integer products are exact, but float sums in another order can move one activation across an int8
    /// rounding boundary, which moves later logits of these random-weight models by up to ~0.25%; such flips are rare,
    /// so the mean stays far below the max.
    /// </summary>
    internal static void AssertLogitsClose(float[] expected, float[] actual, string what, double meanRelative = 5e-4)
    {
        BackendOpsTests.AssertClose(expected, actual, 1e-2, what);
        double scale = expected.Max(v => Math.Abs(v));
        double mean = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(mean <= meanRelative * scale, $"{what}: mean |Δlogit| {mean:E2} > {meanRelative} × {scale:F2}");
    }

    /// <summary>
    /// The mean tolerance for a model whose output layer is <paramref name="embedding"/>: the CPU backend rounds a Q6_K or
    /// Q4_K output layer's input to int8 per 256 values, as llama.cpp does (measured 1.3–1.7e-3 of the largest logit on
    /// these models), and keeps 16 bits or more for the other types.
    /// </summary>
    static double MeanTolerance(GgmlType embedding) => embedding is GgmlType.Q6_K or GgmlType.Q4_K ? 3e-3 : 5e-4;

    public static TheoryData<string, GgmlType> Models()
    {
        var data = new TheoryData<string, GgmlType>();
        foreach (var arch in new[] { "bitnet-b1.58", "bitnet", "llama" })
            foreach (var type in new[] { GgmlType.I2_S, GgmlType.TQ2_0, GgmlType.TQ1_0 })
                data.Add(arch, type);
        return data;
    }

    static int[] Tokens(int count, int vocab, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }

    /// <summary>
    /// Every position's logits of <paramref name="tokens"/> run as one prompt in batches of <paramref name="batchSize"/>.
    /// Backends compared with each other keep the same <paramref name="cacheType"/> (the reference rounds to f16 in an f16 cache).
    /// </summary>
    internal static float[] PromptLogits(string path, string backend, int[] tokens, int batchSize, KvCacheType cacheType, BackendRegistry? registry = null)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = backend, BatchSize = batchSize, ContextLength = 64, CacheType = cacheType }, registry ?? Registry);
        var logits = new float[tokens.Length * model.Graph.VocabSize];
        model.Graph.Forward(tokens, logits, allLogits: true);
        return logits;
    }

    static float[] StepLogits(string path, string backend, int[] tokens, KvCacheType cacheType)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = backend, ContextLength = 64, CacheType = cacheType }, Registry);
        int vocab = model.Graph.VocabSize;
        var logits = new float[tokens.Length * vocab];
        for (int t = 0; t < tokens.Length; t++)
            model.Graph.Forward(tokens.AsSpan(t, 1), logits.AsSpan(t * vocab, vocab));
        return logits;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void CpuMatchesReference_PromptAndStepByStep(string architecture, GgmlType type) =>
        CpuMatchesReference(architecture, type, KvCacheType.F16); // the CPU backend's default cache

    [Theory]
    [InlineData("bitnet-b1.58", GgmlType.I2_S)]
    [InlineData("llama", GgmlType.TQ2_0)]
    public void CpuMatchesReference_WithAnF32Cache(string architecture, GgmlType type) =>
        CpuMatchesReference(architecture, type, KvCacheType.F32);

    static void CpuMatchesReference(string architecture, GgmlType type, KvCacheType cacheType)
    {
        string path = SyntheticModels.Tiny(architecture, type);
        var tokens = Tokens(21, 512, seed: 3);
        var reference = PromptLogits(path, "reference", tokens, batchSize: 21, cacheType);
        var cpuPrompt = PromptLogits(path, "cpu", tokens, batchSize: 8, cacheType); // batches of 8, 8, 5
        var cpuSteps = StepLogits(path, "cpu", tokens, cacheType);

        string what = $"{architecture} {type} {cacheType.Name()} cache";
        AssertLogitsClose(reference, cpuPrompt, $"{what} prompt: cpu vs reference");
        AssertLogitsClose(reference, cpuSteps, $"{what} steps: cpu vs reference");
        AssertLogitsClose(cpuPrompt, cpuSteps, $"{what}: cpu prompt vs steps");
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, false)]
    [InlineData(GgmlType.Q6_K, false)]
    [InlineData(GgmlType.Q6_K, true)]
    [InlineData(GgmlType.Q4_K, false)]
    [InlineData(GgmlType.Q4_K, true)]
    public void CpuMatchesReference_WithAQuantizedEmbedding(GgmlType embedding, bool untied)
    {
        // The CPU backend reads Q8_0 as int8 codes with group scales and Q6_K/Q4_K as their super-blocks; the reference dequantizes to floats.
        string path = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S, embedding: embedding, untied: untied);
        var tokens = Tokens(13, 512, seed: 6);
        var reference = PromptLogits(path, "reference", tokens, batchSize: 13, KvCacheType.F16);
        AssertLogitsClose(reference, PromptLogits(path, "cpu", tokens, batchSize: 8, KvCacheType.F16), $"{embedding} untied={untied} prompt: cpu vs reference",
            MeanTolerance(embedding));
        AssertLogitsClose(reference, StepLogits(path, "cpu", tokens, KvCacheType.F16), $"{embedding} untied={untied} steps: cpu vs reference",
            MeanTolerance(embedding));
    }

    [Fact]
    public void ReferencePromptMatchesReferenceSteps()
    {
        string path = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        var tokens = Tokens(9, 512, seed: 4);
        BackendOpsTests.AssertClose(PromptLogits(path, "reference", tokens, 4, KvCacheType.F32), StepLogits(path, "reference", tokens, KvCacheType.F32), 1e-4, "reference prompt vs steps");
    }

    [Fact]
    public void LogitsDependOnTheWholePrompt()
    {
        // Guards against a graph that ignores attention or the cache: changing the first token changes the last logits.
        string path = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        var a = Tokens(6, 512, seed: 5);
        var b = (int[])a.Clone();
        b[0] = (b[0] + 1) % 512;
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = "cpu", ContextLength = 64 }, Registry);
        var la = new float[512];
        var lb = new float[512];
        model.Graph.Forward(a, la);
        model.Graph.Reset();
        model.Graph.Forward(b, lb);
        Assert.NotEqual(la, lb);
    }
}
