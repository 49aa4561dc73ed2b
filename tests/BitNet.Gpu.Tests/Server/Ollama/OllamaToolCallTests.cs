using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Server;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Server.Ollama;

/// <summary>
/// Tool calls through Ollama's /api/chat on a tiny synthetic model (the tools' description runs past the bundled model's
/// context): with the same seed, the answer is what /v1/chat/completions gives, its calls with arguments as objects,
/// whole and streamed; a conversation carrying calls and results reads as OpenAI's does.
/// </summary>
public sealed class OllamaToolCallTests : IAsyncLifetime
{
    const string Tools = """
        [{"type": "function", "function": {"name": "get_forecast", "description": "The forecast for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "days": {"type": "integer", "minimum": 1, "maximum": 5}},
                         "required": ["city", "days"], "additionalProperties": false}}}]
        """;

    BitNetServer _server = null!;
    ServerClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.Start(options => options with
        {
            ModelPath = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S, contextLength: 4096),
            Model = new BitNetModelOptions { Backend = "cpu", Parallel = 2, ChatTemplate = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant: " },
        });
        _client = new ServerClient(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task WithTheSameSeed_TheAnswerIsOpenAIs_CallsWithArgumentObjects_WholeAndStreamed()
    {
        int calls = 0;
        foreach (int seed in new[] { 1, 2, 3, 4, 5, 6 })
        {
            var openAi = (await _client.PostAsync("/v1/chat/completions", $$$"""
                {"messages": [{"role": "user", "content": "Weather in Oslo?"}], "tools": {{{Tools}}}, "temperature": 1, "seed": {{{seed}}}, "max_tokens": 300}
                """)).Json.GetProperty("choices")[0];
            string body = $$$"""
                {"model": "m", "stream": false, "messages": [{"role": "user", "content": "Weather in Oslo?"}], "tools": {{{Tools}}},
                 "options": {"temperature": 1, "seed": {{{seed}}}, "num_predict": 300}}
                """;
            var answer = await _client.PostAsync("/api/chat", body);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            var message = answer.Json.GetProperty("message");

            var expectedCalls = openAi.GetProperty("message").TryGetProperty("tool_calls", out var c) ? c.EnumerateArray().ToList() : [];
            var gotCalls = message.TryGetProperty("tool_calls", out var g) ? g.EnumerateArray().ToList() : [];
            Assert.Equal(expectedCalls.Count, gotCalls.Count);
            for (int i = 0; i < gotCalls.Count; i++)
            {
                var function = gotCalls[i].GetProperty("function");
                Assert.Equal(expectedCalls[i].GetProperty("function").GetProperty("name").GetString(), function.GetProperty("name").GetString());
                Assert.Equal(i, function.GetProperty("index").GetInt32());
                if (openAi.GetProperty("finish_reason").GetString() != "length")
                {
                    Assert.Equal(JsonValueKind.Object, function.GetProperty("arguments").ValueKind);
                    Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expectedCalls[i].GetProperty("function").GetProperty("arguments").GetString()!),
                                                    JsonNode.Parse(function.GetProperty("arguments").GetRawText())));
                }
            }
            if (gotCalls.Count == 0)
                Assert.Equal(openAi.GetProperty("message").GetProperty("content").GetString() ?? "", message.GetProperty("content").GetString());
            calls += gotCalls.Count > 0 ? 1 : 0;

            // Streamed: the same text as it came, the same calls in a message before the last.
            var lines = await StreamAsync(body.Replace("\"stream\": false", "\"stream\": true"));
            Assert.True(lines[^1].GetProperty("done").GetBoolean());
            Assert.Equal(message.GetProperty("content").GetString(), string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString())));
            var streamedCalls = lines.Where(l => l.GetProperty("message").TryGetProperty("tool_calls", out _))
                                     .SelectMany(l => l.GetProperty("message").GetProperty("tool_calls").EnumerateArray()).ToList();
            Assert.Equal(gotCalls.Select(Summary), streamedCalls.Select(Summary));
        }
        Assert.True(calls > 0, "no seed gave a call");
    }

    [Fact]
    public async Task AConversationWithCallsAndResults_ReadsAsOpenAIsDoes()
    {
        var openAi = (await _client.PostAsync("/v1/chat/completions", $$$"""
            {"messages": [{"role": "user", "content": "Weather in Oslo?"},
                          {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_forecast", "arguments": "{\"city\": \"Oslo\", \"days\": 2}"}}]},
                          {"role": "tool", "name": "get_forecast", "content": "Sunny, 4 C"}],
             "tools": {{{Tools}}}, "temperature": 0, "max_tokens": 40}
            """)).Json;
        var ollama = (await _client.PostAsync("/api/chat", $$$"""
            {"model": "m", "stream": false,
             "messages": [{"role": "user", "content": "Weather in Oslo?"},
                          {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_forecast", "arguments": {"city": "Oslo", "days": 2} } }]},
                          {"role": "tool", "tool_name": "get_forecast", "content": "Sunny, 4 C"}],
             "tools": {{{Tools}}}, "options": {"temperature": 0, "num_predict": 40}}
            """)).Json;
        Assert.Equal(openAi.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), ollama.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(openAi.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), ollama.GetProperty("eval_count").GetInt32());
    }

    static string Summary(JsonElement call) =>
        call.GetProperty("function").GetProperty("name").GetString() + " " + call.GetProperty("function").GetProperty("arguments").GetRawText();

    async Task<List<JsonElement>> StreamAsync(string body)
    {
        using var response = await _client.StartStreamAsync("/api/chat", body);
        string text = await response.Content.ReadAsStringAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
    }
}
