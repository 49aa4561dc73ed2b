using System.Text.Json;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// A request that leaves the sampling fields out samples as llama-server does (temperature 0.8, top-k 40, top-p 0.95,
/// min-p 0.05), so the engine reads only the output rows a top-40 sampler can use, as <c>bench --top-k 40</c> does;
/// OpenAI's temperature 1 without top_k keeps that screen, and only top_k 0 asks for every logit.
/// </summary>
[Collection(ServerCollection.Name)]
public class DefaultSamplingTests(ServerFixture fixture)
{
    SamplerOptions SamplingOf(string body)
    {
        var model = fixture.Server.Model!;
        var request = JsonSerializer.Deserialize(body, ServerJsonContext.Web.CompletionRequest)!;
        var options = RequestOptions.From(request, model, request.MaxTokens, "max_tokens");
        return options.ToRequest(model.ContextLength).Sampling;
    }

    int OutputRowsRead(SamplerOptions sampling) => new Sampler(sampling, fixture.Server.Model!.VocabularySize).LargestLogitsUsed;

    [Fact]
    public void NoSamplingFields_LlamaServerDefaults_ScreenedToTop40()
    {
        var sampling = SamplingOf("""{"prompt": "Hi"}""");
        Assert.Equal(0.8f, sampling.Temperature);
        Assert.Equal(40, sampling.TopK);
        Assert.Equal(0.95f, sampling.TopP);
        Assert.Equal(0.05f, sampling.MinP);
        Assert.Equal(40, OutputRowsRead(sampling));
    }

    [Theory]
    [InlineData("""{"prompt": "Hi", "temperature": 1}""", 40)]     // OpenAI's default temperature: top-k 40 still applies
    [InlineData("""{"prompt": "Hi", "temperature": 0}""", 1)]      // greedy: only the largest logit matters
    [InlineData("""{"prompt": "Hi", "top_k": 8}""", 8)]
    [InlineData("""{"prompt": "Hi", "top_k": 0}""", 0)]            // every logit
    public void SamplingFields_DecideTheOutputRowsRead(string body, int rows) =>
        Assert.Equal(rows, OutputRowsRead(SamplingOf(body)));
}
