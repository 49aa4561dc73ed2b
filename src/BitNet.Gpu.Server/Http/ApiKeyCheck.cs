using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// With an API key set, every request but GET /health and the chat page's files (GET /, /webui/..., which hold no data
/// and ask the user for the key) needs <c>Authorization: Bearer KEY</c> (or <c>x-api-key: KEY</c>, as Anthropic's
/// clients send it); otherwise 401. Keys
/// are compared as SHA-256 hashes with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the time taken
/// nor an early length mismatch tells a caller how much of a guess was right.
/// </summary>
internal sealed class ApiKeyCheck(RequestDelegate next, string apiKey)
{
    readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    public Task InvokeAsync(HttpContext context)
    {
        if (IsPublic(context.Request) || Authorized(context.Request.Headers))
            return next(context);
        throw new ApiException(401, "a valid API key is needed: send the header 'Authorization: Bearer KEY' (or Anthropic's 'x-api-key: KEY')", code: "invalid_api_key");
    }

    static bool IsPublic(HttpRequest request) =>
        request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase)
        || (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && (request.Path == "/" || request.Path.StartsWithSegments("/webui"));

    /// <summary>OpenAI's clients send the key as a Bearer token, Anthropic's as x-api-key; either may carry it.</summary>
    bool Authorized(IHeaderDictionary headers)
    {
        const string scheme = "Bearer ";
        string bearer = headers.Authorization.ToString();
        if (bearer.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return Matches(bearer[scheme.Length..]);
        return headers.TryGetValue("x-api-key", out var key) && Matches(key.ToString());
    }

    bool Matches(string key) => CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key.Trim())), _expected);
}
