using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// The server's access log: one line per answered request, at Information, with the method, path, status (or
/// "cancelled" when the client left first), the time until the answer ended (a stream's whole length) and the client's
/// address. Health checks and metric scrapes, which come every few seconds, are logged at Debug.
/// </summary>
internal sealed class AccessLog(RequestDelegate next, ILogger<AccessLog> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var level = IsProbe(context.Request) ? LogLevel.Debug : LogLevel.Information;
            if (log.IsEnabled(level))
            {
                string status = context.RequestAborted.IsCancellationRequested ? "cancelled" : context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                log.Log(level, "{Method} {Path} {Status} {Milliseconds:F0} ms {Client}", context.Request.Method, context.Request.Path.Value,
                        status, Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.Connection.RemoteIpAddress);
            }
        }
    }

    static bool IsProbe(HttpRequest request) => HttpMethods.IsGet(request.Method) && request.Path.Value is "/health" or "/metrics";
}
