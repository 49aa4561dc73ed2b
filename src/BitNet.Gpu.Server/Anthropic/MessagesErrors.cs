using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Anthropic;

/// <summary>
/// Errors of the Messages API in Anthropic's shape, <c>{"type": "error", "error": {"type", "message"}}</c>, so that
/// Anthropic's clients read them; the field at fault, when known, is named in the message.
/// </summary>
internal static class MessagesErrors
{
    /// <summary>The paths whose errors take this shape.</summary>
    public const string PathPrefix = "/v1/messages";

    public static AnthropicErrorBody Body(ApiException error) =>
        new(new AnthropicError(TypeOf(error.Status), error.Param is { } param && !error.Message.Contains(param, StringComparison.Ordinal) ? $"{param}: {error.Message}" : error.Message));

    static string TypeOf(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };
}
