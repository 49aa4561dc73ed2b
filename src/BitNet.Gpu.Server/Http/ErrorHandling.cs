using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// Turns every failure into OpenAI's error object (Anthropic's on the Messages API's paths, Ollama's under /api): a refused request (<see cref="ApiException"/>) with its status, a
/// body over the limit as 413, an empty 404/405 from routing with a message, and anything unexpected as a 500 that
/// says only that (the details go to the log, never a stack trace to the client). A client that disconnected gets
/// nothing.
/// </summary>
internal sealed class ErrorHandling(RequestDelegate next, ILogger<ErrorHandling> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (!context.Response.HasStarted && context.Response.StatusCode is 404 or 405 && context.Response.ContentLength is null)
                await WriteAsync(context, context.Response.StatusCode == 404
                    ? new ApiException(404, NoEndpoint(context.Request.Path))
                    : new ApiException(405, $"{context.Request.Method} is not allowed on {context.Request.Path}"));
        }
        catch (ApiException e)
        {
            await WriteAsync(context, e);
        }
        catch (BadHttpRequestException e)
        {
            string message = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"the request body is larger than the limit of {context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes"
                : $"bad request: {e.Message}";
            await WriteAsync(context, new ApiException(e.StatusCode, message, code: e.StatusCode == 413 ? "request_too_large" : null));
        }
        catch (InvalidOperationException e) when (e.Source?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true)
        {
            // A string the JSON reader accepted but cannot turn into text (an escaped lone surrogate, say), read late from a JsonElement.
            await WriteAsync(context, ApiException.BadRequest($"the request holds a string that is not valid text: {e.Message}"));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e)
        {
            log.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            await WriteAsync(context, new ApiException(500, "the server failed to answer this request; see its log"));
        }
    }

    /// <summary>What a request for a path no endpoint serves is told: the endpoints of the API family it asked in.</summary>
    static string NoEndpoint(PathString path) => path.StartsWithSegments(Ollama.OllamaErrors.PathPrefix)
        ? $"no endpoint {path}: this server runs one model file and serves POST /api/chat, /api/generate, /api/embed, /api/show and GET /api/tags, /api/ps, /api/version (no pull, create, copy, push or delete)"
        : $"no endpoint {path} (see GET /v1/models, POST /v1/chat/completions, /v1/completions, /v1/responses, /v1/messages)";

    /// <summary>Writes <paramref name="error"/> as the response, unless the response has already begun (then it can only end).</summary>
    internal static async Task WriteAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested) return;
        context.Response.Clear(); // the CORS middleware adds its headers as the response starts, so they survive this
        context.Response.StatusCode = error.Status;
        if (error.RetryAfterSeconds is int seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (error.Status == 401) context.Response.Headers.WWWAuthenticate = "Bearer";
        if (context.Request.Path.StartsWithSegments(Anthropic.MessagesErrors.PathPrefix))
            await JsonResponse.WriteAsync(context, Anthropic.MessagesErrors.Body(error), ServerJsonContext.Web.AnthropicErrorBody, error.Status);
        else if (context.Request.Path.StartsWithSegments(Ollama.OllamaErrors.PathPrefix))
            await JsonResponse.WriteAsync(context, Ollama.OllamaErrors.Body(error), ServerJsonContext.Web.OllamaError, error.Status);
        else
            await JsonResponse.WriteAsync(context, error.ToBody(), ServerJsonContext.Web.ErrorBody, error.Status);
    }
}
