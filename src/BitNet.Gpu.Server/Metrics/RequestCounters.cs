using System.Collections.Concurrent;
using System.Collections.Frozen;
using BitNet.Gpu.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BitNet.Gpu.Server.Metrics;

/// <summary>
/// Counts answered HTTP requests by endpoint and outcome: ok (2xx), client_error (4xx but 429), rejected (429 and 503:
/// the server was busy or loading), cancelled (the client went away first) and error (5xx).
/// </summary>
internal sealed class RequestCounters
{
    /// <summary>The route table's paths without parameters: a request whose method has no endpoint there (a 405) is
    /// still counted under its path. Set once the routes are mapped (<see cref="KnowRoutes"/>).</summary>
    FrozenSet<string> _literalRoutes = FrozenSet<string>.Empty;

    /// <summary>Takes the route table's patterns, so that nothing here repeats the endpoints' paths.</summary>
    public void KnowRoutes(IEndpointRouteBuilder routes) =>
        _literalRoutes = routes.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Select(endpoint => endpoint.RoutePattern).Where(pattern => pattern.Parameters.Count == 0 && pattern.RawText is not null)
            .Select(pattern => pattern.RawText!).ToFrozenSet(StringComparer.Ordinal);

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
            _counts.AddOrUpdate((EndpointName(context), Outcome(context)), 1, (_, n) => n + 1);
        }
    }

    /// <summary>The route the request matched, as written in the route table ("/v1/responses/{id}": one name for every id), or "other".</summary>
    string EndpointName(HttpContext context)
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern }) return pattern;
        string path = context.Request.Path.Value ?? "";
        return _literalRoutes.Contains(path) ? path : "other";
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
