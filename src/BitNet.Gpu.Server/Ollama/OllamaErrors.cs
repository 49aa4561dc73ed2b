using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Ollama;

/// <summary>Errors of Ollama's API in its shape, <c>{"error": "..."}</c>, the field at fault named in the message.</summary>
internal static class OllamaErrors
{
    /// <summary>The paths whose errors take this shape.</summary>
    public const string PathPrefix = "/api";

    public static OllamaError Body(ApiException error) =>
        new(error.Param is { } param && !error.Message.Contains(param, StringComparison.Ordinal) ? $"{param}: {error.Message}" : error.Message);
}
