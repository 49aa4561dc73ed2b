using System.Collections.Concurrent;
using BitNet.Gpu.Server.Http;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Metrics;

/// <summary>
/// Counts answered HTTP requests by endpoint and outcome: ok (2xx), client_error (4xx but 429), rejected (429 and 503:
/// the server was busy or loading), cancelled (the client went away first) and error (5xx).
/// </summary>
internal sealed class RequestCounters
{
    static readonly HashSet<string> Endpoints =
    [
        "/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/responses/input_tokens", "/v1/messages", "/v1/messages/count_tokens",
        "/v1/embeddings", "/v1/models", "/health", "/tokenize", "/detokenize", "/metrics",
        "/completion", "/props", "/slots", "/apply-template",
        "/api/generate", "/api/chat", "/api/embed", "/api/embeddings", "/api/tags", "/api/ps", "/api/show", "/api/version", "/",
    ];

    /// <summary>A kept response's path, counted under one name (not one per id).</summary>
    const string ResponsePaths = "/v1/responses/";

    readonly ConcurrentDictionary<(string Endpoint, string Outcome), long> _counts = new();

    /// <summary>The counts so far, sorted by endpoint and outcome.</summary>
    public IReadOnlyList<((string Endpoint, string Outcome) Key, long Count)> Snapshot() =>
        _counts.OrderBy(p => p.Key.Endpoint, StringComparer.Ordinal).ThenBy(p => p.Key.Outcome, StringComparer.Ordinal)
               .Select(p => (p.Key, p.Value)).ToList();

    /// <summary>Counts requests as they end (middleware around everything else).</summary>
    public async Task CountAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        finally
        {
            string path = context.Request.Path.Value ?? "";
            string endpoint = Endpoints.Contains(path) ? path : path.StartsWith(ResponsePaths, StringComparison.Ordinal) ? "/v1/responses/{id}" : "other";
            _counts.AddOrUpdate((endpoint, Outcome(context)), 1, (_, n) => n + 1);
        }
    }

    static string Outcome(HttpContext context)
    {
        if (ClientGone.Left(context)) return "cancelled";
        return context.Response.StatusCode switch
        {
            429 or 503 => "rejected",
            >= 500 => "error",
            >= 400 => "client_error",
            _ => "ok",
        };
    }
}
