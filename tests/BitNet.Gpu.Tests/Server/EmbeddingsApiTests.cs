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
}
