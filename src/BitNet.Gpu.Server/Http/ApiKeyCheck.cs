using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// With an API key set, every request but GET /health needs <c>Authorization: Bearer KEY</c>; otherwise 401. Keys
/// are compared as SHA-256 hashes with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the time taken
/// nor an early length mismatch tells a caller how much of a guess was right.
/// </summary>
internal sealed class ApiKeyCheck(RequestDelegate next, string apiKey)
{
    readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase) || Authorized(context.Request.Headers.Authorization.ToString()))
            return next(context);
        throw new ApiException(401, "a valid API key is needed: send the header 'Authorization: Bearer KEY'", code: "invalid_api_key");
    }

    bool Authorized(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _expected);
    }
}
