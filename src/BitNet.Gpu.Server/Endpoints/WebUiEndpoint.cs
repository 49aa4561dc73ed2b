using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// GET /: a browser (asking for text/html) gets the chat page, as llama-server serves its web UI, unless the server runs
/// without it (<see cref="ServerOptions.WebUi"/>); any other client gets one line saying the server runs, the answer
/// Ollama's clients look for. The page's script and style are GET /webui/app.js and /webui/style.css; a Content
/// Security Policy lets the page load nothing else and talk only to this server.
/// </summary>
internal sealed class WebUiEndpoint(bool enabled)
{
    public const string RootPath = "/";
    public const string AssetPath = "/webui/{file}";

    /// <summary>What the page may load and call: this server only, no inline script, no frames.</summary>
    const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    static readonly FrozenDictionary<string, (string ContentType, byte[] Body)> Assets = new Dictionary<string, (string, byte[])>
    {
        ["index.html"] = ("text/html; charset=utf-8", Read("index.html")),
        ["app.js"] = ("text/javascript; charset=utf-8", Read("app.js")),
        ["style.css"] = ("text/css; charset=utf-8", Read("style.css")),
    }.ToFrozenDictionary();

    public Task RootAsync(HttpContext context)
    {
        if (enabled && WantsHtml(context.Request)) return WriteAsync(context, "index.html");
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("bitnet-gpu is running\n", context.RequestAborted);
    }

    public Task AssetAsync(HttpContext context, string file)
    {
        if (!enabled || file == "index.html" || !Assets.ContainsKey(file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return WriteAsync(context, file);
    }

    static async Task WriteAsync(HttpContext context, string file)
    {
        var (contentType, body) = Assets[file];
        var response = context.Response;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        response.Headers.CacheControl = "no-cache"; // a new server version's page is fetched again
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (!HttpMethods.IsHead(context.Request.Method)) await response.Body.WriteAsync(body, context.RequestAborted);
    }

    static bool WantsHtml(HttpRequest request) => request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>The whole UTF-8 file embedded in this assembly from WebUi/.</summary>
    static byte[] Read(string file)
    {
        using var stream = typeof(WebUiEndpoint).Assembly.GetManifestResourceStream("WebUi." + file)
            ?? throw new InvalidOperationException($"the web UI's {file} is not embedded in the server");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
