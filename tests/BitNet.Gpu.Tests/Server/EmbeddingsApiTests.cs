using System.ClientModel;
using System.Net;
using BitNet.Gpu.Engine.Embeddings;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Embeddings;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// POST /v1/embeddings through real clients: the official OpenAI SDK's EmbeddingClient (which asks for base64) and
/// Microsoft.Extensions.AI's embedding generator over it, held to the library's own vectors; the float encoding by hand,
/// token-id inputs, usage.
/// </summary>
[Collection(ServerCollection.Name)]
public class EmbeddingsApiTests(ServerFixture fixture)
{
    static readonly string[] Texts = ["The state of the Union is strong.", "We the people", "Thank you. God bless America."];

    EmbeddingClient Sdk() => new("bitnet", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "v1") });

    BitNetModel Model => fixture.Server.Model!;

    [Fact]
    public async Task OpenAiSdk_GetsTheLibrarysVectors_InOrder_WithUsage()
    {
        OpenAIEmbeddingCollection answer = await Sdk().GenerateEmbeddingsAsync(Texts);
        Assert.Equal(Texts.Length, answer.Count);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(i, answer[i].Index);
            Assert.Equal(await Model.EmbedAsync(Texts[i]), answer[i].ToFloats().ToArray());
        }
        int tokens = Texts.Sum(t => Model.TokenizePrompt(t).Length);
        Assert.Equal(tokens, answer.Usage.InputTokenCount);
        Assert.Equal(tokens, answer.Usage.TotalTokenCount);
        Assert.Equal(Model.ModelId, answer.Model);

        OpenAIEmbedding one = await Sdk().GenerateEmbeddingAsync(Texts[2], new OpenAI.Embeddings.EmbeddingGenerationOptions { Dimensions = Model.EmbeddingLength });
        Assert.Equal(answer[2].ToFloats().ToArray(), one.ToFloats().ToArray());
    }

    [Fact]
    public async Task TokenIdInputs_AreEmbeddedAsTheyAre()
    {
        var ids = Texts.Select(t => new ReadOnlyMemory<int>(Model.TokenizePrompt(t))).ToArray();
        OpenAIEmbeddingCollection answer = await Sdk().GenerateEmbeddingsAsync(ids);
        for (int i = 0; i < Texts.Length; i++)
            Assert.Equal(await Model.EmbedAsync(ids[i].ToArray()), answer[i].ToFloats().ToArray());
    }

    [Fact]
    public async Task MicrosoftExtensionsAi_OverTheSdk_GetsTheLibrarysVectors()
    {
        var generator = Sdk().AsIEmbeddingGenerator();
        var embeddings = await generator.GenerateAsync(Texts);
        var expected = await Model.AsEmbeddingGenerator().GenerateAsync(Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(expected[i].Vector.ToArray(), embeddings[i].Vector.ToArray());
        Assert.Equal(expected.Usage!.InputTokenCount, embeddings.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task FloatEncoding_IsTheJsonNumbersOfTheSameVectors()
    {
        double embeddedBefore = await fixture.Client.MetricAsync("bitnet_embeddings_total");
        var answer = await fixture.Client.PostAsync("/v1/embeddings", """{"input": ["We the people", [1, 2, 3]], "encoding_format": "float", "model": "any"}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(embeddedBefore + 2, await fixture.Client.MetricAsync("bitnet_embeddings_total"));
        var json = answer.Json;
        Assert.Equal("list", json.GetProperty("object").GetString());
        var data = json.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal("embedding", data[0].GetProperty("object").GetString());
        Assert.Equal(1, data[1].GetProperty("index").GetInt32());
        var first = data[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(await Model.EmbedAsync("We the people"), first);
        var second = data[1].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(await Model.EmbedAsync([1, 2, 3]), second);
        int tokens = Model.TokenizePrompt("We the people").Length + 3;
        Assert.Equal(tokens, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(tokens, json.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task OneArrayOfTokenIds_IsOneInput()
    {
        var answer = await fixture.Client.PostAsync("/v1/embeddings", """{"input": [1, 2, 3]}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(1, answer.Json.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task LastPooling_WhenTheServerIsStartedWithIt()
    {
        await using var server = await ServerFixture.Start(o => o with { Pooling = EmbeddingPooling.Last });
        var client = new EmbeddingClient("bitnet", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "v1") });
        OpenAIEmbedding answer = await client.GenerateEmbeddingAsync(Texts[0]);
        Assert.Equal(await server.Model!.EmbedAsync(Texts[0], new EmbeddingOptions { Pooling = EmbeddingPooling.Last }), answer.ToFloats().ToArray());
        Assert.NotEqual(await server.Model!.EmbedAsync(Texts[0]), answer.ToFloats().ToArray());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task LlamaServersEmbedding_ListsEachInputsVector_ScaledAsEmbdNormalizeSays(int norm)
    {
        var answer = (await fixture.Client.PostAsync("/embedding", $$"""{"content": ["{{Texts[0]}}", "{{Texts[1]}}"], "embd_normalize": {{norm}}}""")).Json;
        Assert.Equal(2, answer.GetArrayLength());
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(i, answer[i].GetProperty("index").GetInt32());
            var vector = Assert.Single(answer[i].GetProperty("embedding").EnumerateArray()).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var raw = await Model.EmbedAsync(Texts[i], new EmbeddingOptions { Normalize = false });
            Assert.Equal(raw.Length, vector.Length);
            // Each norm against its formula: the vector is the raw one times a positive scale that makes this norm 1 (32760 for max-abs).
            double measured = norm switch
            {
                -1 => 1 + vector.Zip(raw).Max(p => Math.Abs(p.First - p.Second)),
                0 => vector.Max(Math.Abs) / 32760,
                1 => vector.Sum(Math.Abs),
                2 => Math.Sqrt(vector.Sum(v => v * v)),
                _ => Math.Pow(vector.Sum(v => Math.Pow(Math.Abs(v), norm)), 1.0 / norm),
            };
            Assert.InRange(measured, 1 - 1e-4, 1 + 1e-4);
            double scale = vector[0] / raw[0];
            Assert.True(scale > 0);
            Assert.All(vector.Zip(raw), p => Assert.InRange(p.First, p.Second * scale - 1e-3 * Math.Max(1, Math.Abs(p.First)), p.Second * scale + 1e-3 * Math.Max(1, Math.Abs(p.First))));
        }

        // /embeddings is the same API; input is read like content; the default is the Euclidean norm, /v1/embeddings' vector.
        var plural = (await fixture.Client.PostAsync("/embeddings", $$"""{"input": "{{Texts[2]}}"}""")).Json;
        var unit = plural[0].GetProperty("embedding")[0].EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(await Model.EmbedAsync(Texts[2]), unit);
    }

    [Theory]
    [InlineData("""{"embd_normalize": 2}""", "content")]
    [InlineData("""{"content": ""}""", "content")]
    [InlineData("""{"content": "Hi", "embd_normalize": 65}""", "embd_normalize")]
    [InlineData("""{"input": 7}""", "input")]
    public async Task LlamaServersEmbedding_BadFields_AreA400NamingThem(string body, string param)
    {
        var answer = await fixture.Client.PostAsync("/embedding", body);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(param, answer.Error.Param);
    }
}
