using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// A request the server refuses, with the HTTP status and OpenAI's error fields to answer it with
/// (<see cref="ErrorHandling"/> writes it). Thrown wherever the fault is found; never a 5xx for the client's fault.
/// </summary>
internal sealed class ApiException(int status, string message, string? param = null, string? code = null, string? type = null)
    : Exception(message)
{
    /// <summary>The HTTP status code.</summary>
    public int Status { get; } = status;

    /// <summary>The request field at fault (OpenAI's param), or null.</summary>
    public string? Param { get; } = param;

    /// <summary>A machine-readable code, or null.</summary>
    public string? Code { get; } = code;

    /// <summary>Seconds a client should wait before retrying (a Retry-After header), or null.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>OpenAI's error type for the status.</summary>
    public string Type { get; } = type ?? TypeOf(status);

    public ErrorBody ToBody() => new(new ErrorDetail(Message, Type, Param, Code));

    /// <summary>400: the request is wrong; <paramref name="param"/> names the field.</summary>
    public static ApiException BadRequest(string message, string? param = null, string? code = null) => new(400, message, param, code);

    internal static string TypeOf(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        503 => "unavailable_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
