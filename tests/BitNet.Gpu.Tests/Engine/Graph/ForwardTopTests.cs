using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Model.Synthetic;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Graph;

/// <summary>
/// TransformerGraph.ForwardTop and its use by the generator: the logits a top-k or greedy sampler can use are the same to
/// the bit as a full Forward's, the rest are -inf, and generation picks the same tokens either way.
/// </summary>
public class ForwardTopTests
{
    static readonly BackendRegistry Registry = new();

    /// <summary>A tiny model with an 8192-token output layer (F16, tied), big enough for the screen to skip most rows.</summary>
    static readonly Lazy<string> Model = new(() =>
        SyntheticModels.Custom("tiny-vocab8192", SyntheticModelOptions.Tiny with { VocabSize = 8192, Seed = 21, ContextLength = 128 }));

    static LoadedModel Load() => LoadedModel.Load(Model.Value, new LoadOptions { Backend = "cpu", ContextLength = 64, BatchSize = 8 }, Registry);

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public void ForwardTop_KeepsEveryLogitTheSamplerCanUse(int topK)
    {
        using var model = Load();
        int vocab = model.Graph.VocabSize;
        var random = new Random(topK);
        int[] prompt = Enumerable.Range(0, 5).Select(_ => random.Next(vocab)).ToArray();
        int[] adjusted = [prompt[0], 17, vocab - 1];

        var full = new float[vocab];
        model.Graph.Forward(prompt, full);
        model.Graph.Reset();
        var top = new float[vocab];
        Array.Fill(top, float.NaN);
        model.Graph.ForwardTop(prompt, top, topK, adjusted);

        int exactRows = ((CpuBackend)model.Backend).LastExactRows;
        Assert.True(exactRows < vocab / 8, $"{exactRows} of {vocab} output rows were computed: nothing was skipped");
        AssertUsableLogitsEqual(full, top, topK, adjusted);
    }

    /// <summary>Several sequences in one step, each with its own top-k: every sequence's usable logits equal those of the same
    /// step with every logit computed, and the output layer's rows are mostly skipped for all of them together.</summary>
    [Fact]
    public void ForwardBatch_ScreensEachSequenceForItsOwnSampler()
    {
        using var model = LoadedModel.Load(Model.Value, new LoadOptions { Backend = "cpu", ContextLength = 64, BatchSize = 16, Parallel = 3 }, Registry);
        var graph = model.Graph;
        int vocab = graph.VocabSize;
        var random = new Random(3);
        int[][] prompts = [[.. Enumerable.Range(0, 4).Select(_ => random.Next(vocab))], [random.Next(vocab)], [.. Enumerable.Range(0, 3).Select(_ => random.Next(vocab))]];
        int[] topKs = [1, 40, 5];
        int[][] adjusted = [[prompts[0][0]], [], [vocab - 1, 2]];

        var full = new float[3 * vocab];
        graph.ForwardBatch(Enumerable.Range(0, 3).Select(s => new SequenceChunk(s, prompts[s], true)).ToArray(), full);
        for (int s = 0; s < 3; s++) graph.TruncateSequence(s, 0);
        var top = new float[3 * vocab];
        Array.Fill(top, float.NaN);
        graph.ForwardBatch(Enumerable.Range(0, 3).Select(s => new SequenceChunk(s, prompts[s], true) { TopK = topKs[s], AlwaysExact = adjusted[s] }).ToArray(), top);

        Assert.True(graph.LastOutputReadFraction < 1, $"the screened step read {graph.LastOutputReadFraction:P0} of the output layer");
        for (int s = 0; s < 3; s++)
            AssertUsableLogitsEqual(full.AsSpan(s * vocab, vocab), top.AsSpan(s * vocab, vocab), topKs[s], adjusted[s]);
    }

    /// <summary>Many top-k sequences in one step: the screen skips most rows for each, and every usable logit equals the
    /// full step's.</summary>
    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void ForwardBatch_OfManyTopKSequences_ScreensEach(int sequences)
    {
        using var model = LoadedModel.Load(Model.Value, new LoadOptions { Backend = "cpu", ContextLength = 64, BatchSize = 16, Parallel = sequences }, Registry);
        var graph = model.Graph;
        int vocab = graph.VocabSize;
        var random = new Random(8);
        var chunks = Enumerable.Range(0, sequences).Select(s => new SequenceChunk(s, new[] { random.Next(vocab) }, true)).ToArray();

        var full = new float[sequences * vocab];
        graph.ForwardBatch(chunks, full);
        for (int s = 0; s < sequences; s++) graph.TruncateSequence(s, 0);
        var top = new float[sequences * vocab];
        Array.Fill(top, float.NaN);
        graph.ForwardBatch(chunks.Select(c => c with { TopK = 40 }).ToArray(), top);

        int exactRows = ((CpuBackend)model.Backend).LastExactRows;
        Assert.True(exactRows < sequences * vocab / 8, $"{exactRows} of {sequences * vocab} rows were computed: nothing was skipped");
        for (int s = 0; s < sequences; s++)
            AssertUsableLogitsEqual(full.AsSpan(s * vocab, vocab), top.AsSpan(s * vocab, vocab), 40, []);
    }

    /// <summary>Every logit <paramref name="top"/> computed (not -inf) equals <paramref name="full"/>'s, and so does every one
    /// a top-<paramref name="topK"/> sampler can pick: the k largest and the always-exact rows.</summary>
    static void AssertUsableLogitsEqual(ReadOnlySpan<float> full, ReadOnlySpan<float> top, int topK, int[] alwaysExact)
    {
        for (int t = 0; t < full.Length; t++)
            if (!float.IsNegativeInfinity(top[t])) Assert.Equal(full[t], top[t]);
        var fullRow = full.ToArray();
        foreach (int t in Enumerable.Range(0, fullRow.Length).OrderByDescending(t => fullRow[t]).ThenBy(t => t).Take(topK).Concat(alwaysExact))
            Assert.Equal(fullRow[t], top[t]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.8f)]
    public void Generation_PicksTheSameTokensWithAndWithoutScreening(float temperature)
    {
        var sampling = new SamplerOptions
        {
            Temperature = temperature, TopK = 40, RepeatPenalty = 1.3f, PresencePenalty = 0.5f, Seed = 5,
            LogitBias = new Dictionary<int, float> { [300] = 3f, [301] = float.NegativeInfinity },
        };
        var request = new GenerationRequest { MaxTokens = 24, Sampling = sampling };
        int[] prompt = [1, 72, 101, 108, 108, 111];

        using var model = Load();
        var runs = new List<(string Text, int Tokens)>();
        foreach (bool full in new[] { true, false })
        {
            var text = new System.Text.StringBuilder();
            var stats = new TextGenerator(model).Generate(prompt, request with { FullLogits = full }, piece => text.Append(piece));
            runs.Add((text.ToString(), stats.GeneratedTokens));
        }
        Assert.True(runs[0].Tokens > 1, "nothing generated");
        Assert.Equal(runs[0], runs[1]);
        Assert.True(((CpuBackend)model.Backend).LastExactRows < model.Graph.VocabSize / 8, "the screened run did not skip rows");
    }
}
