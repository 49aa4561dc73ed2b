using System.Net;
using System.Text;
using BitNet.Gpu.Server;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// Browsers' cross-origin calls (CORS): by default a page of this machine may call the server (its preflight is
/// answered, the answer carries Access-Control-Allow-Origin, errors included) and a page elsewhere may not; a list of
/// origins or * changes that; a preflight needs no API key; an origin that is not one is refused naming the option.
/// </summary>
[Collection(ServerCollection.Name)]
public class CrossOriginTests(ServerFixture fixture)
{
    static async Task<HttpResponseMessage> PreflightAsync(Uri server, string origin)
    {
        using var http = new HttpClient { BaseAddress = server };
        var request = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return await http.SendAsync(request);
    }

    static async Task<HttpResponseMessage> PostAsync(Uri server, string origin, string path, string body)
    {
        using var http = new HttpClient { BaseAddress = server };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Origin", origin);
        return await http.SendAsync(request);
    }

    static string? AllowedOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;

    [Theory]
    [InlineData("http://localhost:3000", true)]
    [InlineData("http://127.0.0.1:5173", true)]
    [InlineData("https://[::1]", true)]
    [InlineData("https://evil.example", false)]
    [InlineData("http://localhost.evil.example", false)]
    [InlineData("null", false)]
    public async Task ByDefault_PagesOfThisMachine_MayCall(string origin, bool allowed)
    {
        using var preflight = await PreflightAsync(fixture.Server.Address, origin);
        Assert.True(preflight.IsSuccessStatusCode);
        Assert.Equal(allowed ? origin : null, AllowedOrigin(preflight));
        if (allowed)
        {
            Assert.Contains("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single());
            Assert.Contains("authorization", preflight.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
        }

        using var answer = await PostAsync(fixture.Server.Address, origin, "/v1/chat/completions", """{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}""");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(allowed ? origin : null, AllowedOrigin(answer));

        using var refused = await PostAsync(fixture.Server.Address, origin, "/v1/chat/completions", """{"messages": []}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(allowed ? origin : null, AllowedOrigin(refused)); // an allowed page reads why
    }

    [Fact]
    public async Task AListOrAStar_ChoosesThePages_AndAPreflightNeedsNoKey()
    {
        await using (var listed = await ServerFixture.Start(o => o with { AllowedOrigins = ["https://app.example.com"], ApiKey = "secret" }))
        {
            using var app = await PreflightAsync(listed.Address, "https://app.example.com");
            Assert.Equal(HttpStatusCode.NoContent, app.StatusCode);
            Assert.Equal("https://app.example.com", AllowedOrigin(app));
            using var local = await PreflightAsync(listed.Address, "http://localhost:3000");
            Assert.Null(AllowedOrigin(local));
            using var unauthorized = await PostAsync(listed.Address, "https://app.example.com", "/v1/chat/completions", "{}");
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
            Assert.Equal("https://app.example.com", AllowedOrigin(unauthorized));
        }
        await using var any = await ServerFixture.Start(o => o with { AllowedOrigins = ["*"] });
        using var anywhere = await PreflightAsync(any.Address, "https://evil.example");
        Assert.Equal("*", AllowedOrigin(anywhere));
    }

    [Theory]
    [InlineData("app.example.com")]
    [InlineData("https://app.example.com/path")]
    [InlineData("https://app.example.com/")]
    [InlineData("ftp://files.example.com")]
    public void AnEntryThatIsNotAnOrigin_IsRefusedNamingTheOption(string origin)
    {
        var options = new ServerOptions { ModelPath = "model.gguf", AllowedOrigins = [origin] };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(ServerOptions.AllowedOrigins), error.ParamName);
        Assert.Contains(origin, error.Message);
    }
}
