using System.ClientModel;
using System.Net;
using BitNet.Gpu.Server;
using OpenAI;
using OpenAI.Chat;

namespace BitNet.Gpu.Tests.Server;

/// <summary>The API key, /health through a model's life, graceful shutdown and the metrics format.</summary>
public class AccessAndLifecycleTests
{
    const string Chat = """{"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 4, "temperature": 0}""";

    [Fact]
    public async Task WithAnApiKey_OnlyTheRightBearerTokenGetsIn_AndHealthStaysOpen()
    {
        await using var server = await ServerFixture.Start(o => o with { ApiKey = "s3cret-key" });
        using var anonymous = new ServerClient(server.Address);
        var none = await anonymous.PostAsync("/v1/chat/completions", Chat);
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal("authentication_error", none.Error.Type);
        Assert.Contains("Bearer", none.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(HttpMethod.Post, "/v1/chat/completions", new StringContent(Chat), bearer: "s3cret-kez")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(HttpMethod.Post, "/v1/chat/completions", new StringContent(Chat), bearer: "s3cret-key-and-more")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).Status);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).Status);

        using var keyed = new ServerClient(server.Address, "s3cret-key");
        Assert.Equal(HttpStatusCode.OK, (await keyed.PostAsync("/v1/chat/completions", Chat)).Status);

        var options = new OpenAIClientOptions { Endpoint = new Uri(server.Address, "v1") };
        var sdk = new ChatClient("bitnet", new ApiKeyCredential("s3cret-key"), options);
        Assert.Equal(4, (await sdk.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4 })).Value.Usage.OutputTokenCount);
        var wrong = new ChatClient("bitnet", new ApiKeyCredential("guess"), options);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => wrong.CompleteChatAsync([new UserChatMessage("Hello")]));
        Assert.Equal(401, error.Status);

        // Anthropic's clients send the key as x-api-key, and read Anthropic's error shape.
        const string Message = """{"model": "x", "max_tokens": 2, "messages": [{"role": "user", "content": "Hi"}]}""";
        var keyedHeader = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "/v1/messages")) { Content = new StringContent(Message) };
        keyedHeader.Headers.Add("x-api-key", "s3cret-key");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(keyedHeader)).StatusCode);
        var refused = await anonymous.PostAsync("/v1/messages", Message);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal("authentication_error", refused.Json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task AModelThatFailsToLoad_LeavesHealthAt503WithTheReason_AndRequestsAt503()
    {
        var options = new ServerOptions { ModelPath = "/nonexistent/model.gguf", Model = new BitNetModelOptions { Backend = "cpu" }, Port = 0 };
        await using var server = await BitNetServer.StartAsync(options);
        await Assert.ThrowsAnyAsync<Exception>(() => server.ModelLoaded);
        using var client = new ServerClient(server.Address);

        var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.Equal("error", health.Json.GetProperty("status").GetString());
        Assert.Contains("model.gguf", health.Json.GetProperty("error").GetString());
        var chat = await client.PostAsync("/v1/chat/completions", Chat);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.Status);
        Assert.Equal("model_failed", chat.Error.Code);
        Assert.Equal(0, await client.MetricAsync("bitnet_model_loaded"));
    }

    [Fact]
    public async Task Stopping_LetsAStreamInFlightFinishWithDone_ThenRefusesConnections()
    {
        var server = await ServerFixture.Start();
        using var client = new ServerClient(server.Address);
        using var response = await client.StartStreamAsync("/v1/completions", """{"prompt": "The", "max_tokens": 200, "temperature": 0, "stream": true}""");
        var stopping = server.StopAsync();
        var events = await ServerClient.ReadEventsAsync(response);
        await stopping;

        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(200, events.Count(e => e.Contains("\"finish_reason\":null")));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/health"));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Stopping_CancelsWhatRunsPastTheDeadline_WithAnErrorEventInsteadOfDone()
    {
        var server = await ServerFixture.Start(o => o with { ShutdownTimeout = TimeSpan.Zero });
        using var client = new ServerClient(server.Address);
        using var response = await client.StartStreamAsync("/v1/completions", """{"prompt": "The", "max_tokens": 250, "temperature": 0, "stream": true}""");
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await reader.ReadLineAsync();
        await server.DisposeAsync();

        string rest = "";
        try { rest = await reader.ReadToEndAsync(); } catch (IOException) { } // the connection may be cut
        Assert.DoesNotContain("[DONE]", rest);
    }

    [Theory]
    [InlineData("/v1/responses", """{"input": "The", "max_output_tokens": 200, "temperature": 0, "stream": true}""", "response.completed", "response.incomplete")]
    [InlineData("/v1/messages", """{"messages": [{"role": "user", "content": "The"}], "max_tokens": 200, "temperature": 0, "stream": true}""", "message_stop", "message_stop")]
    public async Task Stopping_CutsAResponsesOrMessagesStream_WithoutItsEnd(string path, string body, string end, string otherEnd)
    {
        var server = await ServerFixture.Start(o => o with { ShutdownTimeout = TimeSpan.Zero });
        using var client = new ServerClient(server.Address);
        using var response = await client.StartStreamAsync(path, body);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await reader.ReadLineAsync();
        await server.DisposeAsync();

        string rest = "";
        try { rest = await reader.ReadToEndAsync(); } catch (IOException) { } // the connection may be cut
        Assert.DoesNotContain(end, rest);
        Assert.DoesNotContain(otherEnd, rest);
    }

    [Fact]
    public async Task Metrics_AreInPrometheusTextFormat_WithEverySeries()
    {
        await using var server = await ServerFixture.Start();
        using var client = new ServerClient(server.Address);
        await client.PostAsync("/v1/chat/completions", Chat);
        var answer = await client.GetAsync("/metrics");

        string[] series = ["bitnet_http_requests_total", "bitnet_prompt_tokens_total", "bitnet_generated_tokens_total", "bitnet_completions_total",
                           "bitnet_requests_queued", "bitnet_slots_busy", "bitnet_slots", "bitnet_generation_tokens_per_second", "bitnet_model_loaded",
                           "process_resident_memory_bytes"];
        foreach (var name in series)
        {
            Assert.Contains($"# HELP {name} ", answer.Text);
            Assert.Contains($"# TYPE {name} ", answer.Text);
        }
        Assert.Equal(1, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"/v1/chat/completions\",outcome=\"ok\"}"));
        Assert.Equal(4, await client.MetricAsync("bitnet_generated_tokens_total"));
        Assert.Equal(4, await client.MetricAsync("bitnet_slots"));
        Assert.Equal(1, await client.MetricAsync("bitnet_model_loaded"));
    }

    /// <summary>Requests are counted under the route they matched, as the route table writes it: every stored response's
    /// id under one name, a method the path does not take under the path, and an unknown path as "other".</summary>
    [Fact]
    public async Task Metrics_CountEachRouteUnderOneName()
    {
        await using var server = await ServerFixture.Start();
        using var client = new ServerClient(server.Address);
        await client.GetAsync("/v1/responses/resp_one");
        await client.GetAsync("/v1/responses/resp_two");
        await client.GetAsync("/v1/responses/resp_one/input_items");
        await client.GetAsync("/v1/models/some/model");
        await client.GetAsync("/v1/chat/completions"); // POST only
        await client.GetAsync("/no/such/path");

        Assert.Equal(2, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"/v1/responses/{id}\",outcome=\"client_error\"}"));
        Assert.Equal(1, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"/v1/responses/{id}/input_items\",outcome=\"client_error\"}"));
        Assert.Equal(1, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"/v1/models/{**id}\",outcome=\"client_error\"}"));
        Assert.Equal(1, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"/v1/chat/completions\",outcome=\"client_error\"}"));
        Assert.Equal(1, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"other\",outcome=\"client_error\"}"));
    }
}
