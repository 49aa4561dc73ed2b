#pragma warning disable CS0618 // Ollama marks generate's context deprecated; it still serves it, and older clients use it
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OllamaSharp.Models;

namespace BitNet.Gpu.Tests.Server.Ollama;

/// <summary>
/// Ollama's API through OllamaSharp (Ollama's .NET client, and its IChatClient) and by hand: greedy generate and chat
/// equal the library's completion of the same prompt, whole and streamed, with the counts, durations and a context that
/// continues the conversation; logprobs and format; embeddings equal the library's (truncated past the context unless
/// asked not to); the model list, show, ps and version describe the file; bad fields are a 400 naming them in
/// Ollama's error shape.
/// </summary>
[Collection(ServerCollection.Name)]
public class OllamaApiTests(ServerFixture fixture)
{
    const string Prompt = "The state of the Union";

    BitNetModel Model => fixture.Server.Model!;

    string Name => Model.ModelId + ":latest";

    OllamaApiClient Client() => new(fixture.Server.Address, Name);

    static CompletionOptions Greedy(int tokens) => new() { Temperature = 0, MaxTokens = tokens };

    [Fact]
    public async Task Generate_Whole_EqualsTheLibrary_ThroughTheTemplate_WithCountsDurationsAndContext()
    {
        var answer = await fixture.Client.PostAsync("/api/generate",
            $$$"""{"model": "any", "prompt": "{{{Prompt}}}", "stream": false, "options": {"temperature": 0, "num_predict": 12}}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var json = answer.Json;
        int[] prompt = Model.RenderChat([("user", Prompt)]);
        var expected = await Model.CompleteAsync(prompt, Greedy(12));
        Assert.NotEmpty(expected.Text);
        Assert.Equal(expected.Text, json.GetProperty("response").GetString());
        Assert.True(json.GetProperty("done").GetBoolean());
        Assert.Equal("length", json.GetProperty("done_reason").GetString());
        Assert.Equal(Name, json.GetProperty("model").GetString());
        Assert.Equal(prompt.Length, json.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(12, json.GetProperty("eval_count").GetInt32());
        Assert.True(json.GetProperty("eval_duration").GetInt64() > 0);
        Assert.True(json.GetProperty("total_duration").GetInt64() >= json.GetProperty("eval_duration").GetInt64());
        Assert.True(DateTimeOffset.TryParse(json.GetProperty("created_at").GetString(), out _));
        var context = json.GetProperty("context").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.Equal(prompt, context[..prompt.Length]);
        Assert.Equal(expected.Text, Model.Detokenize(context[prompt.Length..]));
    }

    [Fact]
    public async Task Generate_Raw_Streamed_ThroughOllamaSharp_AddsUp_AndItsContextContinuesTheText()
    {
        using var client = Client();
        var request = new GenerateRequest { Model = Name, Prompt = Prompt, Raw = true, Options = new RequestOptions { Temperature = 0, NumPredict = 10 } };
        var chunks = await Collect(client.GenerateAsync(request));
        var done = Assert.IsType<GenerateDoneResponseStream>(chunks[^1]);
        Assert.All(chunks[..^1], c => Assert.False(c!.Done));
        Assert.True(chunks.Count > 3, "the answer came in pieces");
        var expected = await Model.CompleteAsync(Model.TokenizePrompt(Prompt), Greedy(10));
        Assert.Equal(expected.Text, string.Concat(chunks.Select(c => c!.Response)));
        Assert.Equal(10, done.EvalCount);
        Assert.Equal("length", done.DoneReason);

        // The context is the conversation so far: a next prompt continues it.
        var next = new GenerateRequest { Model = Name, Prompt = " and", Raw = true, Context = done.Context, Options = new RequestOptions { Temperature = 0, NumPredict = 6 } };
        string continued = string.Concat((await Collect(client.GenerateAsync(next))).Select(c => c!.Response));
        int[] tokens = [.. done.Context.Select(t => (int)t), .. Model.Tokenize(" and", addBos: false, parseSpecial: true)];
        Assert.Equal((await Model.CompleteAsync(tokens, Greedy(6))).Text, continued);
    }

    [Fact]
    public async Task Chat_ThroughOllamaSharpsChatClient_EqualsTheLibrarysChatClient_WholeAndStreamed()
    {
        using var ollama = Client();
        IChatClient remote = ollama;
        using var local = Model.AsChatClient();
        List<Microsoft.Extensions.AI.ChatMessage> messages = [new(ChatRole.System, "Answer briefly."), new(ChatRole.User, "Who spoke?")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 12 };
        var expected = await local.GetResponseAsync(messages, options);
        Assert.NotEmpty(expected.Text);

        var whole = await remote.GetResponseAsync(messages, options);
        Assert.Equal(expected.Text, whole.Text);
        Assert.Equal(ChatFinishReason.Length, whole.FinishReason);
        Assert.Equal(12, whole.Usage?.OutputTokenCount);
        Assert.Equal(Model.RenderChat([("system", "Answer briefly."), ("user", "Who spoke?")]).Length, whole.Usage?.InputTokenCount);

        var streamed = new List<ChatResponseUpdate>();
        await foreach (var update in remote.GetStreamingResponseAsync(messages, options)) streamed.Add(update);
        Assert.True(streamed.Count > 3);
        Assert.Equal(expected.Text, string.Concat(streamed.Select(u => u.Text)));
    }

    [Fact]
    public async Task Chat_Streamed_ByHand_IsOneObjectALine_EndingWithDone()
    {
        using var response = await fixture.Client.StartStreamAsync("/api/chat",
            """{"model": "m", "messages": [{"role": "user", "content": "Hello"}], "options": {"temperature": 0, "num_predict": 8}}""");
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var chunks = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(chunks[..^1], c => Assert.False(c.GetProperty("done").GetBoolean()));
        Assert.All(chunks, c => Assert.Equal("assistant", c.GetProperty("message").GetProperty("role").GetString()));
        var last = chunks[^1];
        Assert.True(last.GetProperty("done").GetBoolean());
        Assert.Equal(8, last.GetProperty("eval_count").GetInt32());
        var expected = await Model.CompleteAsync(Model.RenderChat([("user", "Hello")]), Greedy(8));
        Assert.Equal(expected.Text, string.Concat(chunks.Select(c => c.GetProperty("message").GetProperty("content").GetString())));
    }

    [Fact]
    public async Task Logprobs_GiveEachTokensLogprobAndTop_AndAFormatHoldsTheAnswer()
    {
        var json = (await fixture.Client.PostAsync("/api/generate",
            $$$"""{"model": "m", "prompt": "{{{Prompt}}}", "raw": true, "stream": false, "logprobs": true, "top_logprobs": 3, "options": {"temperature": 0, "num_predict": 6}}""")).Json;
        var entries = json.GetProperty("logprobs").EnumerateArray().ToList();
        Assert.Equal(6, entries.Count);
        Assert.Equal(json.GetProperty("response").GetString(), string.Concat(entries.Select(e => e.GetProperty("token").GetString())));
        Assert.All(entries, e =>
        {
            Assert.True(e.GetProperty("logprob").GetDouble() <= 0);
            var top = e.GetProperty("top_logprobs");
            Assert.Equal(3, top.GetArrayLength());
            Assert.Equal(e.GetProperty("token").GetString(), top[0].GetProperty("token").GetString()); // greedy: the most likely
        });

        var formatted = (await fixture.Client.PostAsync("/api/chat", """
            {"model": "m", "stream": false, "messages": [{"role": "user", "content": "A number?"}], "options": {"temperature": 0, "num_predict": 40},
             "format": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}}
            """)).Json;
        string content = formatted.GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal(JsonValueKind.Number, JsonDocument.Parse(content).RootElement.GetProperty("n").ValueKind);
    }

    [Fact]
    public async Task Embed_EqualsTheLibrary_TruncatesPastTheContext_UnlessAskedNotTo_AndTheEarlierEndpointIsNotNormalized()
    {
        using var client = Client();
        string[] texts = ["The state of the Union", "is strong"];
        var answer = await client.EmbedAsync(new EmbedRequest { Model = Name, Input = [.. texts] });
        var expected = await Model.EmbedBatchAsync([.. texts.Select(t => (IReadOnlyList<int>)Model.TokenizePrompt(t))]);
        Assert.Equal(expected.Length, answer.Embeddings.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], answer.Embeddings[i]);
        Assert.Equal(texts.Sum(t => Model.TokenizePrompt(t).Length), answer.PromptEvalCount);

        string longText = string.Join(' ', Enumerable.Repeat("union", Model.ContextLength + 10));
        int[] tokens = Model.TokenizePrompt(longText);
        Assert.True(tokens.Length > Model.ContextLength);
        var truncated = await client.EmbedAsync(new EmbedRequest { Model = Name, Input = [longText] });
        Assert.Equal(await Model.EmbedAsync(tokens[..Model.ContextLength]), truncated.Embeddings[0]);
        var refused = await fixture.Client.PostAsync("/api/embed", $$"""{"model": "m", "input": "{{longText}}", "truncate": false}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("context length", refused.Json.GetProperty("error").GetString());

        var legacy = (await fixture.Client.PostAsync("/api/embeddings", """{"model": "m", "prompt": "is strong"}""")).Json;
        var raw = await Model.EmbedAsync("is strong", new EmbeddingOptions { Normalize = false });
        Assert.Equal(raw, legacy.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        Assert.NotEqual(1.0, Math.Sqrt(raw.Sum(v => (double)v * v)), 3);
    }

    [Fact]
    public async Task TagsShowPsAndVersion_DescribeTheModelFile()
    {
        using var client = Client();
        Assert.True(await client.IsRunningAsync());
        Assert.False(string.IsNullOrEmpty(await client.GetVersionAsync()));

        using var file = GgufFile.Open(BundledModel.Path);
        long parameters = file.Tensors.Sum(t => t.ElementCount);
        string digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(BundledModel.Path)));
        string architecture = file.Metadata.GetString("general.architecture");

        var model = Assert.Single(await client.ListLocalModelsAsync());
        Assert.Equal(Name, model.Name);
        Assert.Equal(new FileInfo(BundledModel.Path).Length, model.Size);
        Assert.Equal(digest, model.Digest);
        Assert.Equal("gguf", model.Details.Format);
        Assert.Equal(architecture, model.Details.Family);
        Assert.Equal("I2_S", model.Details.QuantizationLevel);
        Assert.EndsWith("M", model.Details.ParameterSize);

        var running = Assert.Single(await client.ListRunningModelsAsync());
        Assert.Equal(digest, running.Digest);
        Assert.Equal(Model.ContextLength, running.ContextLength);
        Assert.Equal(0, running.SizeVram); // the fixture runs on the CPU
        Assert.True(running.ExpiresAt > DateTime.UtcNow.AddYears(100));

        var show = await client.ShowModelAsync(new ShowModelRequest { Model = Name });
        Assert.Equal(Model.ChatTemplateSource, show.Template);
        Assert.Equal(architecture, show.Info.Architecture);
        Assert.Equal(parameters, show.Info.ParameterCount);
        Assert.Contains("completion", show.Capabilities!);
        Assert.Contains("FROM " + Path.GetFullPath(BundledModel.Path), show.Modelfile);
        Assert.Contains("temperature 0.8", show.Parameters);
    }

    [Fact]
    public async Task NothingToGenerate_AnswersThatTheModelIsLoaded()
    {
        var generate = (await fixture.Client.PostAsync("/api/generate", """{"model": "m"}""")).Json;
        Assert.True(generate.GetProperty("done").GetBoolean());
        Assert.Equal("load", generate.GetProperty("done_reason").GetString());
        var chat = (await fixture.Client.PostAsync("/api/chat", """{"model": "m", "messages": [], "keep_alive": 0}""")).Json;
        Assert.Equal("unload", chat.GetProperty("done_reason").GetString());
    }

    [Theory]
    [InlineData("/api/generate", """{"prompt": "Hi"}""", "model")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "think": true}""", "think")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "images": ["aGk="]}""", "images")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "suffix": "end"}""", "suffix")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "template": "{{ .Prompt }}"}""", "template")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "format": "xml"}""", "format")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "top_logprobs": 21}""", "top_logprobs")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "context": [1, -5]}""", "context[1]")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "options": {"num_predict": -3}}""", "options.num_predict")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "options": {"temperature": -1}}""", "options.temperature")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "options": {"top_k": "many"}}""", "top_k")]
    [InlineData("/api/generate", """{"model": "m", "prompt": "Hi", "options": {"stop": [""]}}""", "options.stop")]
    [InlineData("/api/chat", """{"model": "m", "messages": [{"role": "robot", "content": "Hi"}]}""", "messages[0].role")]
    [InlineData("/api/chat", """{"model": "m", "messages": [{"role": "user", "content": "Hi", "images": ["aGk="]}]}""", "messages[0].images")]
    [InlineData("/api/chat", """{"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": {}}}]}]}""", "messages[0].tool_calls[0].function.name")]
    [InlineData("/api/chat", """{"model": "m", "messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "web"}]}""", "tools[0].type")]
    [InlineData("/api/chat", """{"model": "m", "messages": [null]}""", "messages[0]")]
    [InlineData("/api/embed", """{"model": "m", "input": 5}""", "input")]
    [InlineData("/api/embed", """{"model": "m", "input": ["a", 5]}""", "input[1]")]
    [InlineData("/api/embed", """{"model": "m", "input": "a", "dimensions": 3}""", "dimensions")]
    [InlineData("/api/show", """{}""", "model")]
    [InlineData("/api/chat", """{"model": "m", "messages": [""", "JSON")]
    public async Task ABadField_IsA400InOllamasShape_NamingIt(string path, string body, string field)
    {
        var answer = await fixture.Client.PostAsync(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        var json = answer.Json;
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.Single(json.EnumerateObject());
        Assert.Contains(field, json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AnUnknownApiPath_IsA404InOllamasShape()
    {
        var answer = await fixture.Client.PostAsync("/api/pull", """{"model": "llama3"}""");
        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Contains("/api/pull", answer.Json.GetProperty("error").GetString());
        Assert.Contains("no pull", answer.Json.GetProperty("error").GetString());
    }

    static async Task<List<T?>> Collect<T>(IAsyncEnumerable<T?> stream)
    {
        var list = new List<T?>();
        await foreach (var item in stream) list.Add(item);
        return list;
    }
}
