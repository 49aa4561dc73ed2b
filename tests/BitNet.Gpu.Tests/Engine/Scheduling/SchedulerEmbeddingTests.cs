using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Engine.Scheduling;
using BitNet.Gpu.Tests.Engine.Graph;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Scheduling;

/// <summary>
/// Embeddings through the scheduler on the bundled model: the graph's hidden states pooled, in chunks of the batch size;
/// beside generations, each embedding and each generation as it is alone; refused and cancelled as generations are.
/// </summary>
public class SchedulerEmbeddingTests
{
    static readonly BackendRegistry Registry = new();
    static readonly GenerationRequest Greedy = new() { MaxTokens = 16, Sampling = new SamplerOptions { Temperature = 0 } };

    static LoadedModel Load(int parallel) =>
        LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = "cpu", ContextLength = 128, Parallel = parallel, BatchSize = 16 }, Registry);

    static readonly string[] Texts = ["The state of the Union is strong.", "We the people", "Thank you. God bless America and all who serve her."];

    static int[] Tokens(LoadedModel model, string text) => model.Tokenizer.EncodePrompt(text);

    /// <summary>The pooled hidden states read straight from the graph, one chunk of the batch size at a time.</summary>
    static float[] FromGraph(LoadedModel model, int[] tokens, EmbeddingPooling pooling)
    {
        var graph = model.Graph;
        graph.TruncateSequence(0, 0);
        var pool = new HiddenStatePool(graph.EmbeddingLength, pooling);
        for (int start = 0; start < tokens.Length; start += graph.MaxBatch)
        {
            int take = Math.Min(graph.MaxBatch, tokens.Length - start);
            var hidden = new float[take * graph.EmbeddingLength];
            graph.ForwardBatch([new SequenceChunk(0, tokens.AsMemory(start, take), WantsLogits: false) { HiddenStates = true }], [], hidden);
            pool.Add(hidden);
        }
        return pool.Result(normalize: true);
    }

    [Theory]
    [InlineData(EmbeddingPooling.Mean)]
    [InlineData(EmbeddingPooling.Last)]
    public async Task Embedding_IsTheGraphsHiddenStatesPooled(EmbeddingPooling pooling)
    {
        string text = string.Join(" ", Texts); // past the batch size of 16: several steps
        float[] expected, actual;
        using (var model = Load(parallel: 1))
        {
            var tokens = Tokens(model, text);
            Assert.True(tokens.Length > 16);
            expected = FromGraph(model, tokens, pooling);
        }
        using (var model = Load(parallel: 1))
        using (var scheduler = new InferenceScheduler(model))
            actual = await scheduler.EmbedAsync(Tokens(model, text), pooling, normalize: true);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6);
        Assert.Equal(1.0, Math.Sqrt(actual.Sum(v => (double)v * v)), 1e-5);
    }

    [Fact]
    public async Task EmbeddingsBesideGenerations_EachAsAlone()
    {
        var aloneTexts = new List<string>();
        var aloneVectors = new List<float[]>();
        using (var model = Load(parallel: 1))
        using (var scheduler = new InferenceScheduler(model))
            foreach (var text in Texts)
            {
                aloneTexts.Add(await Collect(scheduler.Submit(Tokens(model, text), Greedy)));
                aloneVectors.Add(await scheduler.EmbedAsync(Tokens(model, text), EmbeddingPooling.Mean, normalize: true));
            }

        using (var model = Load(parallel: 4)) // 6 requests in 4 slots, mixed in the same steps
        using (var scheduler = new InferenceScheduler(model))
        {
            var generations = Texts.Select(t => Collect(scheduler.Submit(Tokens(model, t), Greedy))).ToArray();
            var embeddings = Texts.Select(t => scheduler.EmbedAsync(Tokens(model, t), EmbeddingPooling.Mean, normalize: true)).ToArray();
            Assert.Equal(aloneTexts, await Task.WhenAll(generations));
            var vectors = await Task.WhenAll(embeddings);
            for (int i = 0; i < Texts.Length; i++)
                GraphBatchTests.AssertHiddenClose(aloneVectors[i], vectors[i], vectors[i].Length, $"embedding {i} beside generations vs alone");
            Assert.Equal(3, scheduler.Counters.Completed);
            Assert.Equal(3, scheduler.Counters.Embedded);
        }
    }

    [Fact]
    public async Task AnEmbedding_IsRefusedOrCancelledAsAGenerationIs()
    {
        using var model = Load(parallel: 1);
        using var scheduler = new InferenceScheduler(model);
        // refused at the call, not in the task
        Assert.Throws<ArgumentException>(() => { _ = scheduler.EmbedAsync([], EmbeddingPooling.Mean, normalize: true); });
        Assert.Throws<ArgumentException>(() => { _ = scheduler.EmbedAsync([model.Graph.VocabSize], EmbeddingPooling.Mean, normalize: true); });
        Assert.Throws<ContextOverflowException>(() => { _ = scheduler.EmbedAsync(new int[129], EmbeddingPooling.Mean, normalize: true); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scheduler.EmbedAsync([1, 2, 3], EmbeddingPooling.Mean, normalize: true, new CancellationToken(true)));
        // the slot is free again: a generation after it runs
        Assert.NotEmpty(await Collect(scheduler.Submit(Tokens(model, Texts[0]), Greedy)));
    }

    static async Task<string> Collect(GenerationStream stream)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var piece in stream.ReadAllAsync()) text.Append(piece);
        await stream.Completion;
        return text.ToString();
    }
}
