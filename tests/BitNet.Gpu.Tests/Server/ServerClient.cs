using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BitNet.Gpu.Tests.Server;

/// <summary>A plain HTTP client of the server for what the SDKs do not reach: raw bodies, status codes, SSE lines, /metrics.</summary>
public sealed class ServerClient(Uri address, string? apiKey = null) : IDisposable
{
    // MaxResponseDrainSize 0: a response disposed before its end closes the connection, as a client that goes away
    // does (by default the handler would read the rest to reuse the connection, and the server would see no hang-up).
    // Expect100ContinueTimeout: a request sent with Expect: 100-continue (as curl sends a large body) waits for the server's
    // go-ahead or its answer however loaded the machine, rather than sending the body after the default second.
    readonly HttpClient _http = new(new SocketsHttpHandler { MaxResponseDrainSize = 0, Expect100ContinueTimeout = TimeSpan.FromSeconds(60) })
        { BaseAddress = address, Timeout = TimeSpan.FromSeconds(120) };

    public Uri Address => address;

    /// <summary>An answer: status, headers, the body as text and (when it is JSON) parsed.</summary>
    public sealed record Answer(HttpStatusCode Status, HttpResponseHeaders Headers, string Text)
    {
        public JsonElement Json => JsonDocument.Parse(Text).RootElement;

        /// <summary>The OpenAI error object's fields; fails the test when the body is not one.</summary>
        public (string Message, string Type, string? Param, string? Code) Error
        {
            get
            {
                var e = Json.GetProperty("error");
                return (e.GetProperty("message").GetString()!, e.GetProperty("type").GetString()!,
                        e.GetProperty("param").GetString(), e.GetProperty("code").GetString());
            }
        }
    }

    public Task<Answer> PostAsync(string path, string json) => SendAsync(HttpMethod.Post, path, new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<Answer> PostBytesAsync(string path, byte[] body) => SendAsync(HttpMethod.Post, path, new ByteArrayContent(body));

    /// <summary>A POST with Expect: 100-continue, as curl sends bodies over 1 MB: a server that refuses the body (413) answers
    /// before it is sent. Without it, the client may still be writing the body when the server closes the connection after
    /// its 413, and sees a broken pipe instead of the answer.</summary>
    public async Task<Answer> PostBytesExpectingContinueAsync(string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Headers.ExpectContinue = true;
        if (apiKey is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        return new Answer(response.StatusCode, response.Headers, await response.Content.ReadAsStringAsync());
    }

    public Task<Answer> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public async Task<Answer> SendAsync(HttpMethod method, string path, HttpContent? content, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if ((bearer ?? apiKey) is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await _http.SendAsync(request);
        return new Answer(response.StatusCode, response.Headers, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Starts a streaming request and returns the response once its headers arrive (the body is read by the caller).</summary>
    public async Task<HttpResponseMessage> StartStreamAsync(string path, string json, CancellationToken cancel = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
    }

    /// <summary>The data lines of a server-sent event stream, in order ("[DONE]" included).</summary>
    public static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add(line["data: ".Length..]);
        return events;
    }

    /// <summary>A series' value in GET /metrics (the sum when labels are left out of <paramref name="series"/> and several match).</summary>
    /// <summary>The value of a series in /metrics (summed over its labels when none are given); a series that is absent
    /// fails the test unless <paramref name="absentIsZero"/> (a labelled counter appears at its first increment).</summary>
    public async Task<double> MetricAsync(string series, bool absentIsZero = false)
    {
        var text = (await GetAsync("/metrics")).Text;
        double sum = 0;
        bool found = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            int space = line.LastIndexOf(' ');
            string name = line[..space];
            if (name == series || (!series.Contains('{') && name.StartsWith(series + "{", StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                found = true;
            }
        }
        return found || absentIsZero ? sum : throw new Xunit.Sdk.XunitException($"no series {series} in /metrics:\n{text}");
    }

    public void Dispose() => _http.Dispose();
}
