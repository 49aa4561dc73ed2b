using System.Net;
using System.Text.Json;

namespace BitNet.Gpu.Tests.Server;

/// <summary>Many requests at once through the scheduler: batching keeps each answer, a client that leaves frees its slot, a full queue is 429.</summary>
[Collection(ServerCollection.Name)]
public class ConcurrencyTests(ServerFixture fixture)
{
    static string Request(string prompt, int maxTokens, bool stream = false) =>
        JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = prompt } }, max_tokens = maxTokens, temperature = 0, stream });

    static string Text(ServerClient.Answer answer) =>
        answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    [Fact]
    public async Task ConcurrentGreedyRequests_EachEqualTheSameRequestAlone()
    {
        string[] prompts = ["Hello", "The state of the Union", "Tonight", "Our economy", "My fellow Americans", "Thank you", "We the people", "America"];
        var alone = new List<string>();
        foreach (var prompt in prompts) alone.Add(Text(await fixture.Client.PostAsync("/v1/chat/completions", Request(prompt, 32))));

        var together = await Task.WhenAll(prompts.Select(p => fixture.Client.PostAsync("/v1/chat/completions", Request(p, 32))));
        Assert.All(together, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(alone, together.Select(Text));
        Assert.True(alone.Distinct().Count() > 1, "the prompts should give different answers");
    }

    [Fact]
    public async Task AClientThatDisconnectsMidStream_CancelsItsCompletionAndFreesTheSlot()
    {
        double cancelledBefore = await fixture.Client.MetricAsync("bitnet_completions_total{outcome=\"cancelled\"}");
        double generatedBefore = await fixture.Client.MetricAsync("bitnet_generated_tokens_total");

        var response = await fixture.Client.StartStreamAsync("/v1/completions",
            """{"prompt": "The", "max_tokens": 250, "temperature": 0, "stream": true, "logit_bias": {"2": -100}}""");
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && !line.StartsWith("data: ", StringComparison.Ordinal)) { }
        response.Dispose(); // hang up after the first piece

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await fixture.Client.MetricAsync("bitnet_slots_busy") > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, await fixture.Client.MetricAsync("bitnet_slots_busy"));
        Assert.Equal(cancelledBefore + 1, await fixture.Client.MetricAsync("bitnet_completions_total{outcome=\"cancelled\"}"));
        Assert.True(await fixture.Client.MetricAsync("bitnet_generated_tokens_total") - generatedBefore < 250, "the completion ran to its end");
        // The HTTP request is counted when its pipeline unwinds, which may come after the scheduler has freed the slot
        // (seconds later on a loaded machine): a deadline of its own.
        const string cancelledRequests = "bitnet_http_requests_total{endpoint=\"/v1/completions\",outcome=\"cancelled\"}";
        var unwound = DateTime.UtcNow.AddSeconds(60);
        while (await fixture.Client.MetricAsync(cancelledRequests, absentIsZero: true) < 1 && DateTime.UtcNow < unwound) await Task.Delay(20);
        Assert.True(await fixture.Client.MetricAsync(cancelledRequests, absentIsZero: true) >= 1);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.PostAsync("/v1/chat/completions", Request("Hello", 4))).Status);
    }

    [Fact]
    public async Task AFullQueue_Is429WithRetryAfter()
    {
        await using var server = await ServerFixture.Start(o => o with { Model = o.Model with { Parallel = 1, MaxQueuedRequests = 0 } });
        using var client = new ServerClient(server.Address);
        // The stream holds the one slot while it generates: about 0.2 s with the bundled model, so on a loaded machine
        // it can end before the second request arrives (that request then gets the free slot): try again, a few times.
        HttpResponseMessage? busy = null;
        ServerClient.Answer refused;
        int attempt = 0;
        do
        {
            busy?.Dispose();
            busy = await client.StartStreamAsync("/v1/chat/completions", Request("The state of the Union", 200, stream: true));
            Assert.Equal(HttpStatusCode.OK, busy.StatusCode);
            refused = await client.PostAsync("/v1/chat/completions", Request("Hello", 8));
        } while (refused.Status == HttpStatusCode.OK && ++attempt < 5);
        using var holder = busy;

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("rate_limit_error", refused.Error.Type);
        Assert.Equal("queue_full", refused.Error.Code);
        Assert.Contains("busy", refused.Error.Message);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        var events = await ServerClient.ReadEventsAsync(holder);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(1, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"/v1/chat/completions\",outcome=\"rejected\"}"));
    }
}
