using System.Net;
using System.Text;
using System.Text.Json;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// llama-server's own POST /completion: greedy content equals the library's completion of the prompt, streamed pieces
/// add up to it and end with the counts and timings, stop_type and stopping_word say why it stopped, n_probs gives each
/// token's log-probability, json_schema holds the answer, bad fields are a 400 naming them.
/// </summary>
[Collection(ServerCollection.Name)]
public class NativeCompletionTests(ServerFixture fixture)
{
    const string Prompt = "The state of the Union";

    BitNetModel Model => fixture.Server.Model!;

    [Fact]
    public async Task Greedy_EqualsTheLibrary_WithCountsAndTimings()
    {
        var answer = await fixture.Client.PostAsync("/completion", $$"""{"prompt": "{{Prompt}}", "n_predict": 16, "temperature": 0}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var json = answer.Json;
        var expected = await Model.CompleteAsync(Prompt, new CompletionOptions { Temperature = 0, MaxTokens = 16 });
        Assert.NotEmpty(expected.Text);
        Assert.Equal(expected.Text, json.GetProperty("content").GetString());
        Assert.True(json.GetProperty("stop").GetBoolean());
        Assert.Equal("limit", json.GetProperty("stop_type").GetString());
        Assert.Equal(16, json.GetProperty("tokens_predicted").GetInt32());
        Assert.Equal(Model.TokenizePrompt(Prompt).Length, json.GetProperty("tokens_evaluated").GetInt32());
        var timings = json.GetProperty("timings");
        Assert.Equal(16, timings.GetProperty("predicted_n").GetInt32());
        Assert.True(timings.GetProperty("predicted_ms").GetDouble() > 0);
        Assert.Equal(Model.ModelId, json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Streamed_PiecesAddUpToTheWholeAnswer_EndingWithItsFields()
    {
        const string body = $$"""{"prompt": "{{Prompt}}", "n_predict": 16, "temperature": 0, "stream": true}""";
        using var response = await fixture.Client.StartStreamAsync("/completion", body);
        var events = await ServerClient.ReadEventsAsync(response);
        Assert.DoesNotContain("[DONE]", events);
        var chunks = events.Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.True(chunks.Count > 3);
        Assert.All(chunks[..^1], c => Assert.False(c.GetProperty("stop").GetBoolean()));
        var last = chunks[^1];
        Assert.True(last.GetProperty("stop").GetBoolean());
        Assert.Equal(16, last.GetProperty("tokens_predicted").GetInt32());
        var whole = (await fixture.Client.PostAsync("/completion", body.Replace("\"stream\": true", "\"stream\": false"))).Json;
        Assert.Equal(whole.GetProperty("content").GetString(), string.Concat(chunks.Select(c => c.GetProperty("content").GetString())));
    }

    [Fact]
    public async Task AStopWord_IsTheStopType_AndNProbs_GiveEachTokensLogprob()
    {
        var plain = (await fixture.Client.PostAsync("/completion", $$"""{"prompt": "{{Prompt}}", "n_predict": 16, "temperature": 0}""")).Json;
        string text = plain.GetProperty("content").GetString()!;
        string word = text.Trim().Split(' ')[0];
        var stopped = (await fixture.Client.PostAsync("/completion", $$"""{"prompt": "{{Prompt}}", "n_predict": 16, "temperature": 0, "stop": ["{{word}}"]}""")).Json;
        Assert.Equal("word", stopped.GetProperty("stop_type").GetString());
        Assert.Equal(word, stopped.GetProperty("stopping_word").GetString());

        var probs = (await fixture.Client.PostAsync("/completion", $$"""{"prompt": "{{Prompt}}", "n_predict": 6, "temperature": 0, "n_probs": 3}""")).Json;
        var entries = probs.GetProperty("completion_probabilities").EnumerateArray().ToList();
        Assert.Equal(6, entries.Count);
        Assert.All(entries, e =>
        {
            Assert.Equal(3, e.GetProperty("top_logprobs").GetArrayLength());
            Assert.True(e.GetProperty("logprob").GetSingle() <= 0);
            Assert.Equal(e.GetProperty("id").GetInt32(), e.GetProperty("top_logprobs")[0].GetProperty("id").GetInt32()); // greedy: the most likely
        });
        Assert.Equal(probs.GetProperty("content").GetString(), string.Concat(entries.Select(e => e.GetProperty("token").GetString())));
    }

    [Fact]
    public async Task AJsonSchema_HoldsTheAnswer()
    {
        var answer = (await fixture.Client.PostAsync("/completion", """
            {"prompt": "The year:", "n_predict": 40, "temperature": 0,
             "json_schema": {"type": "object", "properties": {"year": {"type": "integer"}}, "required": ["year"], "additionalProperties": false}}
            """)).Json;
        using var parsed = JsonDocument.Parse(answer.GetProperty("content").GetString()!);
        Assert.Equal(JsonValueKind.Number, parsed.RootElement.GetProperty("year").ValueKind);
    }

    [Fact]
    public async Task AGrammar_HoldsTheAnswer_OnEachCompletionEndpoint()
    {
        const string grammar = "root ::= (\"yes\" | \"no\") \", \" [0-9]{1,3} \".\"";
        var answerPattern = new System.Text.RegularExpressions.Regex("^(yes|no), [0-9]{1,3}\\.$");
        string grammarField = JsonSerializer.Serialize(grammar);

        var native = (await fixture.Client.PostAsync("/completion", $$"""{"prompt": "{{Prompt}}", "n_predict": 30, "grammar": {{grammarField}}}""")).Json;
        Assert.Matches(answerPattern, native.GetProperty("content").GetString()!);
        Assert.True(native.GetProperty("stop").GetBoolean());

        var text = (await fixture.Client.PostAsync("/v1/completions", $$"""{"prompt": "{{Prompt}}", "max_tokens": 30, "seed": 5, "grammar": {{grammarField}}}""")).Json.GetProperty("choices")[0];
        Assert.Matches(answerPattern, text.GetProperty("text").GetString()!);
        Assert.Equal("stop", text.GetProperty("finish_reason").GetString());

        var chat = (await fixture.Client.PostAsync("/v1/chat/completions", $$"""{"messages": [{"role": "user", "content": "Yes or no?"}], "max_tokens": 30, "grammar": {{grammarField}}}""")).Json.GetProperty("choices")[0];
        Assert.Matches(answerPattern, chat.GetProperty("message").GetProperty("content").GetString()!);
    }

    [Theory]
    [InlineData("""{"prompt": "Hi", "grammar": "root ::= item"}""", "grammar")]
    [InlineData("""{"prompt": "Hi", "grammar": "root ::= \"a\"", "json_schema": {"type": "object"}}""", "grammar")]
    [InlineData("""{"prompt": "Hi", "ignore_eos": true}""", "ignore_eos")]
    [InlineData("""{"prompt": "Hi", "n_predict": 0}""", "n_predict")]
    [InlineData("""{"prompt": "Hi", "n_predict": -2}""", "n_predict")]
    [InlineData("""{"prompt": "Hi", "n_probs": 21}""", "n_probs")]
    [InlineData("""{"prompt": "Hi", "temperature": -1}""", "temperature")]
    [InlineData("""{"n_predict": 4}""", "prompt")]
    [InlineData("""{"prompt": "Hi", "json_schema": {"type": "object", "properties": {"a": {"type": "string", "pattern": "[a-"}}}}""", "json_schema")]
    public async Task BadFields_AreA400NamingThem(string body, string param)
    {
        var answer = await fixture.Client.PostAsync("/completion", body);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(param, answer.Error.Param);
    }

    [Fact]
    public async Task ALimitPastTheContext_EndsAtTheFullContext()
    {
        var answer = (await fixture.Client.PostAsync("/completion", $$"""{"prompt": "{{Prompt}}", "n_predict": 100000, "temperature": 0, "stop": ["."]}""")).Json;
        Assert.True(answer.GetProperty("stop").GetBoolean());
        Assert.True(answer.GetProperty("tokens_predicted").GetInt32() + answer.GetProperty("tokens_evaluated").GetInt32() <= Model.ContextLength);
    }
}
