using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// A bounded load test: rounds of 100 concurrent streaming clients against 4 slots and a queue of 32. Each client ends
/// with a whole answer and [DONE] or with a 429; none is lost or cut, every answer is the same greedy text, the whole
/// test stays under 60 s, and the process' managed memory does not grow from round to round.
/// </summary>
public class LoadTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Clients = 100;
    const int Rounds = 3;

    [Fact]
    public async Task HundredConcurrentStreamingClients_EachGetsAWholeAnswerOrA429_WithSteadyMemory()
    {
        var clock = Stopwatch.StartNew();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var server = await ServerFixture.Start(o => o with { Model = o.Model with { Parallel = 4, MaxQueuedRequests = 32 } });
        using var client = new ServerClient(server.Address);
        string body = JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 24, temperature = 0, stream = true });
        string expected = (await client.PostAsync("/v1/chat/completions", body.Replace("\"stream\":true", "\"stream\":false")))
                          .Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

        var heaps = new List<long>();
        int answered = 0, refused = 0;
        for (int round = 0; round < Rounds; round++)
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => OneClient(client, body, limit.Token)));
            foreach (var (status, text, done) in outcomes)
            {
                if (status == HttpStatusCode.TooManyRequests) { refused++; continue; }
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.True(done, "a stream ended without [DONE]");
                Assert.Equal(expected, text);
                answered++;
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            heaps.Add(GC.GetTotalMemory(forceFullCollection: true));
        }

        output.WriteLine($"{answered} answered, {refused} refused with 429 in {clock.Elapsed.TotalSeconds:F1} s; managed heap after each round: {string.Join(", ", heaps.Select(h => $"{h / 1048576.0:F1} MiB"))}");
        Assert.Equal(Rounds * Clients, answered + refused);
        Assert.True(answered >= Rounds * 36, $"only {answered} of {Rounds * Clients} were answered");
        Assert.Equal(0, await client.MetricAsync("bitnet_slots_busy"));
        Assert.Equal(0, await client.MetricAsync("bitnet_requests_queued"));
        Assert.Equal(refused, await client.MetricAsync("bitnet_http_requests_total{endpoint=\"/v1/chat/completions\",outcome=\"rejected\"}"));
        Assert.True(heaps[^1] - heaps[0] < 16 << 20, $"managed memory grew from {heaps[0] >> 20} MiB to {heaps[^1] >> 20} MiB over {Rounds} rounds");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    static async Task<(HttpStatusCode Status, string Text, bool Done)> OneClient(ServerClient client, string body, CancellationToken cancel)
    {
        using var response = await client.StartStreamAsync("/v1/chat/completions", body, cancel);
        if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, "", false);
        var text = new StringBuilder();
        bool done = false;
        foreach (var data in await ServerClient.ReadEventsAsync(response))
        {
            if (data == "[DONE]") { done = true; continue; }
            var choices = JsonDocument.Parse(data).RootElement.GetProperty("choices");
            if (choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out var piece)) text.Append(piece.GetString());
        }
        return (response.StatusCode, text.ToString(), done);
    }
}
