using System.Net;

namespace BitNet.Gpu.Tests.Server;

/// <summary>llama-server's GET /props and POST /apply-template: the server's settings as the library reports them, and the prompt text chat would run.</summary>
[Collection(ServerCollection.Name)]
public class LlamaServerEndpointsTests(ServerFixture fixture)
{
    BitNetModel Model => fixture.Server.Model!;

    [Fact]
    public async Task Props_AreTheContextSlotsModelTemplateAndDefaultSampling()
    {
        var answer = await fixture.Client.GetAsync("/props");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var props = answer.Json;
        var settings = props.GetProperty("default_generation_settings");
        Assert.Equal(Model.ContextLength, settings.GetProperty("n_ctx").GetInt32());
        var defaults = new CompletionOptions();
        Assert.Equal(defaults.Temperature, settings.GetProperty("params").GetProperty("temperature").GetSingle());
        Assert.Equal(defaults.TopK, settings.GetProperty("params").GetProperty("top_k").GetInt32());
        Assert.Equal(-1, settings.GetProperty("params").GetProperty("n_predict").GetInt32());
        Assert.Equal(4, props.GetProperty("total_slots").GetInt32());
        Assert.Equal(Model.ModelId, props.GetProperty("model_path").GetString());
        Assert.Equal(Model.ChatTemplateSource, props.GetProperty("chat_template").GetString());
        Assert.NotEmpty(Model.ChatTemplateSource!);
        Assert.False(props.GetProperty("modalities").GetProperty("vision").GetBoolean());
    }

    [Fact]
    public async Task ApplyTemplate_IsThePromptTextChatRuns()
    {
        var answer = await fixture.Client.PostAsync("/apply-template", """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        string prompt = answer.Json.GetProperty("prompt").GetString()!;
        Assert.Equal(Model.RenderChatText([("system", "Be brief."), ("user", "Hello")]), prompt);
        Assert.Contains("Hello", prompt);
        // what chat runs: the text's tokens (BOS where the template does not write it)
        int[] chat = Model.RenderChat([("system", "Be brief."), ("user", "Hello")]);
        int[] text = Model.Tokenize(prompt, addBos: false, parseSpecial: true);
        Assert.Equal(chat[^text.Length..], text);
        Assert.InRange(chat.Length - text.Length, 0, 1);
    }

    [Fact]
    public async Task ApplyTemplate_WithTools_DescribesThem_AndABadRequestNamesTheField()
    {
        var answer = await fixture.Client.PostAsync("/apply-template", """
            {"messages": [{"role": "user", "content": "Weather?"}],
             "tools": [{"type": "function", "function": {"name": "get_forecast", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}
            """);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Contains("get_forecast", answer.Json.GetProperty("prompt").GetString());

        var bad = await fixture.Client.PostAsync("/apply-template", """{"messages": [{"role": "wizard", "content": "Hi"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("messages[0].role", bad.Error.Param);
    }
}
