using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// GET /health: 200 <c>{"status":"ok"}</c> when the model is loaded, 503 <c>{"status":"loading"}</c> before, 503
/// <c>{"status":"error"}</c> with the reason when loading failed. Open without an API key (probes and load balancers).
/// </summary>
internal sealed class HealthEndpoint(ModelHost host)
{
    public const string Path = "/health";

    public Task HandleAsync(HttpContext context)
    {
        if (host.Model is not null) return JsonResponse.WriteAsync(context, new HealthResponse("ok"), ServerJsonContext.Web.HealthResponse);
        context.Response.Headers.RetryAfter = "5";
        var body = host.Error is { } error ? new HealthResponse("error", error) : new HealthResponse("loading");
        return JsonResponse.WriteAsync(context, body, ServerJsonContext.Web.HealthResponse, 503);
    }
}
