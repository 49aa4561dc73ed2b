using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// Top-k logits read as short lists (<c>top_select</c>, lavapipe with validation): every logit read equals the full
/// product's bit for bit, every other is −∞, and each row's top k are among them; ties beyond a list, a k above the list
/// capacity, and tokens that must stay exact read every logit; a replayed step reads as its recording did.
/// </summary>
public sealed class VulkanTopSelectionTests
{
    const int Rows = 2048, Cols = 64;

    [VulkanFact]
    public void EachRowKeepsItsTopK_BitEqualToTheFullProduct()
    {
        int[] topK = [1, 40, 5];
        var (full, top, listReads) = FullAndTop(seed: 41, topK, alwaysExact: [[], [], []], zeroInput: false);
        Assert.Equal(1, listReads);
        TopListChecks.KeepsEachRowsTopK(full, top, Rows, topK);
    }

    [VulkanFact]
    public void TiesBeyondTheList_ReadEveryLogit()
    {
        // A zero input makes every logit 0: all 2048 tie with the k-th, more than a list holds.
        var (full, top, listReads) = FullAndTop(seed: 42, [3], alwaysExact: [[]], zeroInput: true);
        Assert.Equal(0, listReads);
        Assert.Equal(full, top);
    }

    [VulkanFact]
    public void TokensAlwaysExact_OrAKAboveTheList_ReadEveryLogit()
    {
        var (full, top, listReads) = FullAndTop(seed: 43, [3], alwaysExact: [[7]], zeroInput: false);
        Assert.Equal(0, listReads);
        Assert.Equal(full, top);
        (full, top, listReads) = FullAndTop(seed: 44, [TopLists.Capacity + 1], alwaysExact: [[]], zeroInput: false);
        Assert.Equal(0, listReads);
        Assert.Equal(full, top);
    }

    /// <summary>The full product's logits and the top-k product's (read into NaN-poisoned memory), and how many reads
    /// took the lists.</summary>
    static (float[] Full, float[] Top, int ListReads) FullAndTop(int seed, int[] topK, int[][] alwaysExact, bool zeroInput)
    {
        int tokens = topK.Length;
        using var weights = new RandomWeightFile(seed);
        weights.AddDense("output.weight", GgmlType.F16, Rows, Cols, scale: 0.05f);
        var random = new Random(seed);
        var x = Enumerable.Range(0, tokens * Cols).Select(_ => zeroInput ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();

        using var backend = VulkanTestDevice.CreateBackend();
        using var w = backend.UploadDense(weights.File, weights["output.weight"]);
        using var input = backend.AllocateActivations(tokens, Cols);
        using var output = backend.AllocateActivations(tokens, Rows);
        backend.Write(input, tokens, x);

        var full = Run(backend, output, tokens, () => backend.DenseMatMul(w, input, output, tokens));
        int before = backend.TopListReads;
        var top = Run(backend, output, tokens, () => backend.DenseMatMulTopRows(w, input, output, tokens, topK,
            [.. alwaysExact.Select(a => (ReadOnlyMemory<int>)a)]));
        Assert.All(full, v => Assert.True(float.IsFinite(v)));
        return (full, top, backend.TopListReads - before);
    }

    static float[] Run(VulkanBackend backend, DeviceBuffer output, int tokens, Action product)
    {
        backend.Write(output, tokens, Enumerable.Repeat(float.NaN, tokens * output.Cols).ToArray());
        backend.BeginStep(new int[tokens], 0);
        product();
        var values = new float[tokens * output.Cols];
        values.AsSpan().Fill(float.NaN);
        backend.Read(output, tokens, values);
        Assert.DoesNotContain(values, float.IsNaN);
        return values;
    }

    [VulkanFact]
    public void ReplayedTopKSteps_ReadTheirLists_AndAllLogitStepsEveryLogit()
    {
        string path = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        var issued = Script(path, replay: false, out _);
        var replayed = Script(path, replay: true, out var replayedSteps);
        Assert.True(replayedSteps >= 6, $"{replayedSteps} steps replayed");
        for (int i = 0; i < issued.Count; i++)
            Assert.True(issued[i].AsSpan().SequenceEqual(replayed[i]), $"call {i}: replayed logits differ from issued ones");
        for (int i = 0; i < issued.Count; i += 2)   // even calls are top-5 steps, odd ones all-logit steps
        {
            int kept = issued[i].Count(float.IsFinite);
            Assert.InRange(kept, 5, issued[i].Length - 1);
            Assert.True(issued[i + 1].All(float.IsFinite), $"call {i + 1}: an all-logit step read −∞");
        }
    }

    // Alternating top-5 and all-logit one-token steps; the logits of each.
    static List<float[]> Script(string path, bool replay, out int replayedSteps)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = "vulkan", ContextLength = 64 }, VulkanTestDevice.Registry());
        var graph = model.Graph;
        graph.ReplaySteps = replay;
        graph.Forward([5, 17, 60], new float[graph.VocabSize]);
        var results = new List<float[]>();
        for (int t = 0; t < 5; t++)
        {
            var top = new float[graph.VocabSize];
            graph.ForwardTop([(t * 13 + 2) % graph.VocabSize], top, topK: 5, alwaysExact: []);
            var all = new float[graph.VocabSize];
            graph.Forward([(t * 7 + 1) % graph.VocabSize], all);
            results.Add(top);
            results.Add(all);
        }
        replayedSteps = graph.ReplayedSteps;
        return results;
    }
}
