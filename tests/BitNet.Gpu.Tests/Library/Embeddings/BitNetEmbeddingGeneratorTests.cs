using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Scheduling;
using BitNet.Gpu.Tests.Support;
using Microsoft.Extensions.AI;

namespace BitNet.Gpu.Tests.Library.Embeddings;

/// <summary>
/// Embeddings through the library on the bundled model: BitNetModel.EmbedAsync equals the engine's scheduler on the
/// prompt's tokens, and the IEmbeddingGenerator gives the same vectors with usage and metadata; bad input is refused
/// naming it.
/// </summary>
public class BitNetEmbeddingGeneratorTests
{
    static readonly string[] Texts = ["The state of the Union is strong.", "We the people", "Thank you. God bless America."];

    static BitNetModel Load(int parallel = 2) => BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu", Parallel = parallel });

    [Fact]
    public async Task EmbedAsync_EqualsTheEngineOnThePromptsTokens()
    {
        using var model = Load();
        using var engine = LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = "cpu", BatchSize = 128 }, new BackendRegistry());
        using var scheduler = new InferenceScheduler(engine);
        foreach (var pooling in new[] { EmbeddingPooling.Mean, EmbeddingPooling.Last })
            foreach (bool normalize in new[] { true, false })
            {
                var options = new EmbeddingOptions { Pooling = pooling, Normalize = normalize };
                var actual = await model.EmbedAsync(Texts[0], options);
                var expected = await scheduler.EmbedAsync(engine.Tokenizer.EncodePrompt(Texts[0]), pooling, normalize);
                Assert.Equal(expected, actual);
                Assert.Equal(model.EmbeddingLength, actual.Length);
                double length = Math.Sqrt(actual.Sum(v => (double)v * v));
                if (normalize) Assert.Equal(1.0, length, 1e-5);
                else Assert.NotEqual(1.0, length, 1e-2);
            }
    }

    [Fact]
    public async Task Generator_GivesEachTextsVector_InOrder_WithUsageAndMetadata()
    {
        using var model = Load();
        var generator = model.AsEmbeddingGenerator();
        var embeddings = await generator.GenerateAsync(Texts);

        Assert.Equal(Texts.Length, embeddings.Count);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(await model.EmbedAsync(Texts[i]), embeddings[i].Vector.ToArray());
            Assert.Equal(model.ModelId, embeddings[i].ModelId);
        }
        int tokens = Texts.Sum(t => model.TokenizePrompt(t).Length);
        Assert.Equal(tokens, embeddings.Usage!.InputTokenCount);
        Assert.Equal(tokens, embeddings.Usage.TotalTokenCount);
        Assert.NotEqual(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal("bitnet-gpu", metadata.ProviderName);
        Assert.Equal(model.EmbeddingLength, metadata.DefaultModelDimensions);
        Assert.Same(model, generator.GetService<BitNetModel>());

        // the one-text helper of Microsoft.Extensions.AI, and Dimensions equal to the model's own
        var one = await generator.GenerateAsync(Texts[1], new EmbeddingGenerationOptions { Dimensions = model.EmbeddingLength });
        Assert.Equal(embeddings[1].Vector.ToArray(), one.Vector.ToArray());
    }

    [Fact]
    public async Task BadInput_IsRefusedNamingIt_BeforeAnyTextRuns()
    {
        using var model = Load();
        var generator = model.AsEmbeddingGenerator();
        var dimensions = await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(Texts, new EmbeddingGenerationOptions { Dimensions = 3 }));
        Assert.Contains("Dimensions", dimensions.Message);

        string tooLong = string.Concat(Enumerable.Repeat("the ", model.ContextLength + 10));
        var overflow = await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync([Texts[0], tooLong]));
        Assert.Equal("texts[1]", overflow.ParamName);
        Assert.Contains("context length", overflow.Message);

        var outside = await Assert.ThrowsAsync<ArgumentException>(() => model.EmbedBatchAsync([[1, 2], [model.VocabularySize]]));
        Assert.Equal("texts[1]", outside.ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => model.EmbedAsync(Array.Empty<int>()));
        await Assert.ThrowsAsync<ArgumentException>(() => model.EmbedAsync("x", new EmbeddingOptions { Pooling = (EmbeddingPooling)7 }));
        Assert.Equal(0, model.Counters.Embedded);
    }

    [Fact]
    public async Task ManyTexts_RunAFewAtATime_WithoutFillingTheQueue()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu", Parallel = 2, MaxQueuedRequests = 0 });
        var texts = Enumerable.Range(0, 12).Select(i => $"Text number {i}").ToArray();
        var embeddings = await model.AsEmbeddingGenerator().GenerateAsync(texts);
        Assert.Equal(12, embeddings.Count);
        Assert.Equal(12, model.Counters.Embedded);
        Assert.Equal(0, model.Counters.Completed);
    }
}
