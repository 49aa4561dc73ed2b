using System.Net;

namespace BitNet.Gpu.Tests.Server;

/// <summary>llama-server's GET /props, GET /slots and POST /apply-template: the server's settings and slots as the library
/// reports them, and the prompt text chat would run.</summary>
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
    public async Task Slots_ShowARunningRequest_AndWhatItLeftInTheCache()
    {
        string prompt = "The state of the Union";
        int promptTokens = Model.TokenizePrompt(prompt).Length;
        int limit = Model.ContextLength - promptTokens;
        int? slot = null; // the one the request ran in, when it was seen running
        using (var stream = await fixture.Client.StartStreamAsync("/v1/completions", $$"""{"prompt": "{{prompt}}", "max_tokens": {{limit}}, "stop": ["never said"], "stream": true}"""))
        {
            using var body = new StreamReader(await stream.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await body.ReadLineAsync()); // generating now
            var running = (await fixture.Client.GetAsync("/slots")).Json.EnumerateArray().ToList();
            Assert.Equal(4, running.Count);
            Assert.Equal([0, 1, 2, 3], running.Select(s => s.GetProperty("id").GetInt32()));
            Assert.All(running, s => Assert.Equal(Model.ContextLength, s.GetProperty("n_ctx").GetInt32()));
            var busy = running.Where(s => s.GetProperty("is_processing").GetBoolean()).ToList();
            // The request may already have generated its last token on a fast machine: then no slot is busy, and the
            // stream has ended; otherwise exactly its slot is.
            if (busy.Count == 0) Assert.Contains("[DONE]", await body.ReadToEndAsync());
            else
            {
                Assert.Equal(promptTokens, Assert.Single(busy).GetProperty("n_prompt_tokens").GetInt32());
                slot = busy[0].GetProperty("id").GetInt32();
                Assert.True(busy[0].GetProperty("next_token").GetProperty("n_decoded").GetInt32() >= 1);
            }
        } // leaving cancels the request and frees its slot by the next step

        for (int wait = 0; wait < 100 && Model.Slots.Any(s => s.IsProcessing); wait++) await Task.Delay(50);
        var idle = (await fixture.Client.GetAsync("/slots")).Json.EnumerateArray().ToList();
        Assert.All(idle, s => Assert.False(s.GetProperty("is_processing").GetBoolean()));
        Assert.All(idle, s => Assert.Equal(0, s.GetProperty("n_prompt_tokens").GetInt32()));
        // its tokens stay for a next request that starts with them
        Assert.Contains(idle, s => (slot is null || s.GetProperty("id").GetInt32() == slot) && s.GetProperty("n_past").GetInt32() > promptTokens);
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

    /// <summary>llama-server's with_pieces: each id with the text it stands for (bytes where they are no UTF-8 alone);
    /// vLLM's count, max_model_len, prompt (BOS by default) and chat messages through the template.</summary>
    [Fact]
    public async Task Tokenize_GivesPieces_AndTakesVllmsForms()
    {
        const string text = "The state of the Union";
        var pieces = (await fixture.Client.PostAsync("/tokenize", $$"""{"content": "{{text}}", "with_pieces": true}""")).Json;
        int[] ids = Model.Tokenize(text, addBos: false, parseSpecial: true);
        var tokens = pieces.GetProperty("tokens").EnumerateArray().ToList();
        Assert.Equal(ids, tokens.Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal(text, string.Concat(tokens.Select(t => t.GetProperty("piece").GetString())).TrimStart());
        Assert.Equal(ids.Length, pieces.GetProperty("count").GetInt32());
        Assert.Equal(Model.ContextLength, pieces.GetProperty("max_model_len").GetInt32());

        var vllm = (await fixture.Client.PostAsync("/tokenize", $$"""{"prompt": "{{text}}", "return_token_strs": true}""")).Json;
        int[] withBos = Model.Tokenize(text, addBos: true, parseSpecial: true);
        Assert.Equal(withBos, vllm.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(withBos.Length, vllm.GetProperty("token_strs").GetArrayLength());
        Assert.Equal(ids, (await fixture.Client.PostAsync("/tokenize", $$"""{"prompt": "{{text}}", "add_special_tokens": false}""")).Json
            .GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));

        var chat = (await fixture.Client.PostAsync("/tokenize", """{"messages": [{"role": "user", "content": "Hello"}]}""")).Json;
        Assert.Equal(Model.RenderChat([("user", "Hello")]), chat.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
    }

    /// <summary>A piece that is only part of a character comes as its bytes (this model spells 日本語 a byte at a time).</summary>
    [Fact]
    public async Task Tokenize_WithPieces_GivesBytesWhereAPieceIsNoUtf8()
    {
        var answer = (await fixture.Client.PostAsync("/tokenize", """{"content": "é日本語", "with_pieces": true}""")).Json;
        int byteArrays = 0;
        var all = new List<byte>();
        foreach (var token in answer.GetProperty("tokens").EnumerateArray())
        {
            var piece = token.GetProperty("piece");
            byte[] bytes = Model.TokenBytes(token.GetProperty("id").GetInt32());
            if (piece.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                byteArrays++;
                Assert.False(System.Text.Unicode.Utf8.IsValid(bytes));
                Assert.Equal(bytes.Select(b => (int)b), piece.EnumerateArray().Select(b => b.GetInt32()));
            }
            else Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), piece.GetString());
            all.AddRange(bytes);
        }
        Assert.True(byteArrays > 0, "no piece came as bytes");
        Assert.Equal("é日本語", System.Text.Encoding.UTF8.GetString([.. all]).TrimStart());
    }
}
