#pragma warning disable OPENAI001 // the SDK marks the Responses API experimental
using System.ClientModel;
using System.Net;
using System.Text.Json;
using OpenAI;
using OpenAI.Responses;

namespace BitNet.Gpu.Tests.Server.Responses;

/// <summary>
/// GET /v1/responses/{id}/input_items (through the OpenAI SDK, which pages through them, and by hand: order, limit,
/// after, before) and POST /v1/responses/input_tokens (the prompt tokens the response itself reports).
/// </summary>
[Collection(ServerCollection.Name)]
public class ResponseInputItemsTests(ServerFixture fixture)
{
    ResponsesClient Sdk() => new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "v1") }).GetResponsesClient();

    async Task<string> Create(string input)
    {
        var answer = await fixture.Client.PostAsync("/v1/responses", $$"""{"input": {{input}}, "max_output_tokens": 2, "temperature": 0}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Json.GetProperty("id").GetString()!;
    }

    static string[] Texts(JsonElement list) =>
        [.. list.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("content")[0].GetProperty("text").GetString()!)];

    [Fact]
    public async Task TheSdk_ListsTheInputItems_NewestFirst_AcrossPages()
    {
        var items = Enumerable.Range(0, 25).Select(i => ResponseItem.CreateUserMessageItem($"line {i}")).ToList();
        items.Insert(0, ResponseItem.CreateDeveloperMessageItem("Be brief."));
        var response = await Sdk().CreateResponseAsync(new CreateResponseOptions("bitnet", items) { MaxOutputTokenCount = 2 });

        var listed = new List<ResponseItem>();
        await foreach (var item in Sdk().GetResponseInputItemsAsync(response.Value.Id)) listed.Add(item); // 20 a page: two pages
        Assert.Equal(26, listed.Count);
        var messages = listed.Cast<MessageResponseItem>().ToList();
        Assert.Equal("line 24", messages[0].Content[0].Text);
        Assert.Equal("line 0", messages[^2].Content[0].Text);
        Assert.Equal("Be brief.", messages[^1].Content[0].Text);
        Assert.Equal(26, listed.Select(i => i.Id).Distinct().Count());
        Assert.All(listed, i => Assert.StartsWith("msg_", i.Id));
    }

    [Fact]
    public async Task AStringInput_IsOneUserMessageWithAnInputTextPart()
    {
        string id = await Create("\"Hello there\"");
        var list = (await fixture.Client.GetAsync($"/v1/responses/{id}/input_items")).Json;
        Assert.Equal("list", list.GetProperty("object").GetString());
        var item = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("message", item.GetProperty("type").GetString());
        Assert.Equal("user", item.GetProperty("role").GetString());
        Assert.Equal("completed", item.GetProperty("status").GetString());
        Assert.Equal("input_text", item.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal("Hello there", item.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(item.GetProperty("id").GetString(), list.GetProperty("first_id").GetString());
        Assert.False(list.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task AFieldGivenTwice_IsListedWithItsLastValue_NotA500()
    {
        // Found by fuzzing: the listing rebuilt each item as a JsonObject, which refuses a key met twice.
        string id = await Create("""
            [{"role": "user", "content": "Weather?"},
             {"type": "function_call", "call_id": "call_1", "name": "get_forecast", "arguments": "{}", "call_id": "call_1"},
             {"type": "function_call_output", "call_id": "call_1", "output": "Rain", "output": "Sunny"}]
            """);
        var items = (await fixture.Client.GetAsync($"/v1/responses/{id}/input_items?order=asc")).Json.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(3, items.Length);
        Assert.Equal("call_1", items[1].GetProperty("call_id").GetString());
        Assert.Equal("Sunny", items[2].GetProperty("output").GetString());
    }

    [Fact]
    public async Task Pages_FollowOrderLimitAfterAndBefore_AndKeepTheClientsIds()
    {
        string id = await Create("""
            [{"role": "user", "content": "a", "id": "msg_a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"},
             {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "d"}]}, {"role": "user", "content": "e"}]
            """);
        async Task<JsonElement> Page(string query) => (await fixture.Client.GetAsync($"/v1/responses/{id}/input_items?{query}")).Json;

        var first = await Page("order=asc&limit=2");
        Assert.Equal(["a", "b"], Texts(first));
        Assert.Equal("msg_a", first.GetProperty("first_id").GetString());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal("output_text", first.GetProperty("data")[1].GetProperty("content")[0].GetProperty("type").GetString()); // the assistant's
        var second = await Page($"order=asc&limit=2&after={first.GetProperty("last_id").GetString()}");
        Assert.Equal(["c", "d"], Texts(second));
        var third = await Page($"order=asc&limit=2&after={second.GetProperty("last_id").GetString()}");
        Assert.Equal(["e"], Texts(third));
        Assert.False(third.GetProperty("has_more").GetBoolean());

        Assert.Equal(["e", "d", "c", "b", "a"], Texts(await Page("")));
        var before = await Page($"order=asc&before={second.GetProperty("first_id").GetString()}");
        Assert.Equal(["a", "b"], Texts(before));
        Assert.False(before.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("limit=0", 400, "limit")]
    [InlineData("limit=101", 400, "limit")]
    [InlineData("limit=x", 400, "limit")]
    [InlineData("order=up", 400, "order")]
    [InlineData("after=msg_nope", 400, "after")]
    public async Task BadQueries_AreA400NamingTheParameter(string query, int status, string param)
    {
        string id = await Create("\"Hi\"");
        var answer = await fixture.Client.GetAsync($"/v1/responses/{id}/input_items?{query}");
        Assert.Equal((HttpStatusCode)status, answer.Status);
        Assert.Equal(param, answer.Error.Param);
    }

    [Fact]
    public async Task AResponseNotKept_HasNoInputItems()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Client.GetAsync("/v1/responses/resp_unknown/input_items")).Status);
        var answer = await fixture.Client.PostAsync("/v1/responses", """{"input": "Hi", "max_output_tokens": 2, "store": false}""");
        string id = answer.Json.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Client.GetAsync($"/v1/responses/{id}/input_items")).Status);
    }

    [Fact]
    public async Task InputTokens_AreWhatTheResponseReports()
    {
        const string body = """{"input": [{"role": "user", "content": "Tell me about the Union."}], "instructions": "Be brief.", "max_output_tokens": 2}""";
        var count = await fixture.Client.PostAsync("/v1/responses/input_tokens", body);
        Assert.Equal(HttpStatusCode.OK, count.Status);
        Assert.Equal("response.input_tokens", count.Json.GetProperty("object").GetString());
        var response = await fixture.Client.PostAsync("/v1/responses", body);
        Assert.Equal(response.Json.GetProperty("usage").GetProperty("input_tokens").GetInt32(), count.Json.GetProperty("input_tokens").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Client.PostAsync("/v1/responses/input_tokens", """{"input": 5}""")).Status);
    }
}
