namespace BitNet.Gpu.Tests.Server;

/// <summary>A server whose model is named by an alias (serve --alias, BitNetModelOptions.ModelId) answers with that name on every API.</summary>
public class ModelAliasTests
{
    [Fact]
    public async Task EveryApi_NamesTheModelByItsAlias()
    {
        await using var server = await ServerFixture.Start(options => options with { Model = options.Model with { ModelId = "sotu" } });
        using var client = new ServerClient(server.Address);
        Assert.Equal("sotu", (await client.GetAsync("/v1/models")).Json.GetProperty("data")[0].GetProperty("id").GetString());
        var chat = await client.PostAsync("/v1/chat/completions", """{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}""");
        Assert.Equal("sotu", chat.Json.GetProperty("model").GetString());
        Assert.Equal("sotu", (await client.GetAsync("/props")).Json.GetProperty("model_path").GetString());
        Assert.Equal("sotu:latest", (await client.GetAsync("/api/tags")).Json.GetProperty("models")[0].GetProperty("name").GetString());
    }
}
