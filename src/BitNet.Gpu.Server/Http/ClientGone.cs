using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// Whether a request's client went away. A handler that finds the connection closed (a failed flush) aborts the request,
/// but Kestrel cancels <see cref="HttpContext.RequestAborted"/> on the thread pool a moment later, possibly after the
/// request has unwound; the mark makes the request count as cancelled either way.
/// </summary>
internal static class ClientGone
{
    static readonly object Key = new();

    /// <summary>Records that the client left and aborts the request.</summary>
    public static void Abort(HttpContext context)
    {
        context.Items[Key] = true;
        context.Abort();
    }

    public static bool Left(HttpContext context) => context.RequestAborted.IsCancellationRequested || context.Items.ContainsKey(Key);
}
