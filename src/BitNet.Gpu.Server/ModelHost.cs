using BitNet.Gpu.Server.Http;
using Microsoft.Extensions.Logging;

namespace BitNet.Gpu.Server;

/// <summary>
/// The model a server runs, loaded in the background after the server starts listening so that /health can answer
/// 503 (loading) at once and 200 when it is ready. Requests that need the model get 503 with Retry-After meanwhile.
/// </summary>
internal sealed class ModelHost : IDisposable
{
    volatile BitNetModel? _model;
    volatile string? _error;

    /// <summary>Completes when the model is loaded; faulted with the reason when it could not be.</summary>
    public Task Loaded { get; private set; } = Task.CompletedTask;

    /// <summary>The loaded model, or null while loading or after a failure.</summary>
    public BitNetModel? Model => _model;

    /// <summary>Why loading failed, or null.</summary>
    public string? Error => _error;

    /// <summary>The Unix time the model was loaded (OpenAI's created field of the model card).</summary>
    public long LoadedAt { get; private set; }

    public void StartLoading(string path, BitNetModelOptions options, ILogger log)
    {
        Loaded = Task.Run(() =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var model = BitNetModel.Load(path, options);
                LoadedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                _model = model;
                log.LogInformation("loaded {Model} in {Seconds:F1} s: backend {Backend}, {Parallel} slots of {Context} tokens",
                                   model.ModelId, started.Elapsed.TotalSeconds, model.Backend, model.Parallel, model.ContextLength);
            }
            catch (Exception e)
            {
                _error = e.Message.Split(" (Parameter")[0];
                log.LogError("could not load {Path}: {Error}", path, _error);
                throw;
            }
        });
    }

    /// <summary>The model, or a 503 (loading, or failed to load) for the request that needs it.</summary>
    public BitNetModel Require() => _model ?? throw (_error is null
        ? new ApiException(503, "the model is still loading; retry shortly", code: "model_loading") { RetryAfterSeconds = 5 }
        : new ApiException(503, $"the model failed to load: {_error}", code: "model_failed"));

    public void Dispose() => _model?.Dispose();
}
