using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BitNet.Gpu.Tests.Server.WebUi;

/// <summary>
/// The chat page at GET /: a browser gets the page and its files (held to this server by a Content Security Policy),
/// any other client the line Ollama's clients look for; every file and endpoint the page names exists; the page's
/// script, run in Node against the server, shows the library's greedy answer; --no-webui and the API key behave.
/// </summary>
[Collection(ServerCollection.Name)]
public partial class WebUiTests(ServerFixture fixture)
{
    static async Task<(HttpStatusCode Status, string? ContentType, HttpResponseHeaders Headers, string Body)> GetAsync(Uri server, string path, bool html)
    {
        using var http = new HttpClient { BaseAddress = server };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (html) request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABrowserGetsThePage_EveryFileAndEndpointItNamesExists_OtherClientsGetOneLine()
    {
        var page = await GetAsync(fixture.Server.Address, "/", html: true);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("text/html", page.ContentType);
        string policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);

        var files = SourceOrHref().Matches(page.Body).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["/webui/style.css", "/webui/app.js"], files);
        foreach (string file in files)
        {
            var asset = await GetAsync(fixture.Server.Address, file, html: false);
            Assert.Equal(HttpStatusCode.OK, asset.Status);
            Assert.Equal(file.EndsWith(".js") ? "text/javascript" : "text/css", asset.ContentType);
        }

        string script = (await GetAsync(fixture.Server.Address, "/webui/app.js", html: false)).Body;
        Assert.DoesNotContain("innerHTML", script); // text goes onto the page as text
        var endpoints = CalledPath().Matches(script).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(["/v1/chat/completions", "/health", "/v1/models"], endpoints);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.GetAsync("/health")).Status);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.GetAsync("/v1/models")).Status);

        var plain = await GetAsync(fixture.Server.Address, "/", html: false);
        Assert.Equal("text/plain", plain.ContentType);
        Assert.Equal("bitnet-gpu is running\n", plain.Body);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(fixture.Server.Address, "/webui/index.html", html: true)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(fixture.Server.Address, "/webui/secrets.txt", html: true)).Status);
    }

    [SkippableFact]
    public async Task ThePagesScript_ShowsTheLibrarysGreedyAnswer_AndAnErrorAsTheServerSaysIt()
    {
        string? node = FindNode();
        Skip.If(node is null, "node is not installed (the CI installs it)");
        var shown = RunPage(node!, "Hello", """{"temperature": "0", "max-tokens": "12"}""");
        var model = fixture.Server.Model!;
        var expected = await model.CompleteAsync(model.RenderChat([("user", "Hello")]), new CompletionOptions { Temperature = 0, MaxTokens = 12 });
        var messages = shown.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(("user", "Hello"), (messages[0].GetProperty("role").GetString(), messages[0].GetProperty("text").GetString()));
        Assert.Equal("assistant", messages[1].GetProperty("role").GetString());
        Assert.Equal(expected.Text, messages[1].GetProperty("text").GetString());
        Assert.DoesNotContain("pending", messages[1].GetProperty("className").GetString());
        Assert.Matches(@"^\d+ prompt tokens, 12 generated, [\d.]+ tokens/s \(first after [\d.]+ s\), cut at the token limit$", shown.GetProperty("footer").GetString());
        Assert.Equal(model.ModelId, shown.GetProperty("model").GetString());
        Assert.False(shown.GetProperty("sendDisabled").GetBoolean());

        var refused = RunPage(node!, "Hello", """{"max-tokens": "0"}""");
        var answer = refused.GetProperty("messages")[1];
        Assert.Contains("error", answer.GetProperty("className").GetString());
        Assert.Contains("max_tokens must be between 1", answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task WithoutTheWebUi_ABrowserGetsOneLine_AndWithAKey_ThePageIsPublicButTheApiIsNot()
    {
        await using (var plain = await ServerFixture.Start(options => options with { WebUi = false }))
        {
            Assert.Equal("bitnet-gpu is running\n", (await GetAsync(plain.Address, "/", html: true)).Body);
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(plain.Address, "/webui/app.js", html: true)).Status);
        }
        await using var locked = await ServerFixture.Start(options => options with { ApiKey = "secret" });
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(locked.Address, "/", html: true)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(locked.Address, "/webui/app.js", html: false)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(locked.Address, "/v1/models", html: false)).Status);
    }

    JsonElement RunPage(string node, string message, string settings)
    {
        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Server", "WebUi", "chat-page-harness.js"));
        start.ArgumentList.Add(fixture.Server.Address.ToString());
        start.ArgumentList.Add(message);
        start.ArgumentList.Add(settings);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the chat page's script did not finish in 2 minutes");
        }
        Assert.True(process.ExitCode == 0, stderr.Result);
        return JsonDocument.Parse(stdout.Result).RootElement;
    }

    static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .SelectMany(dir => new[] { Path.Combine(dir, "node"), Path.Combine(dir, "nodejs") })
            .FirstOrDefault(File.Exists);

    [GeneratedRegex("(?:src|href)=\"(/[^\"]+)\"")]
    private static partial Regex SourceOrHref();

    [GeneratedRegex("call\\(\"(/[^\"]+)\"")]
    private static partial Regex CalledPath();
}
