using BitNet.Gpu.Server.Metrics;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>GET /metrics: Prometheus' text format (see <see cref="PrometheusText"/>).</summary>
internal sealed class MetricsEndpoint(ModelHost host, RequestCounters requests)
{
    public const string Path = "/metrics";

    public async Task HandleAsync(HttpContext context)
    {
        context.Response.ContentType = PrometheusText.ContentType;
        await context.Response.WriteAsync(PrometheusText.Render(requests, host.Model), context.RequestAborted);
    }
}
