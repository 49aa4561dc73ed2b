using BitNet.Gpu.Server.Endpoints;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Metrics;
using BitNet.Gpu.Server.Responses;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BitNet.Gpu.Server;

/// <summary>
/// An OpenAI-compatible HTTP server over one <see cref="BitNetModel"/> (ASP.NET Core on Kestrel): POST
/// /v1/chat/completions, /v1/completions and /v1/responses (whole or streamed as server-sent events), GET and DELETE
/// /v1/responses/{id} (responses kept in memory), Anthropic's POST /v1/messages (and /v1/messages/count_tokens), GET
/// /v1/models, GET /health,
/// POST /tokenize and /detokenize, GET /metrics (Prometheus), llama-server's own endpoints (POST /completion, GET /props
/// and /slots, POST /apply-template) and Ollama's (POST /api/generate, /api/chat, /api/embed, /api/show; GET /api/tags,
/// /api/ps, /api/version), and a chat page at GET / for a browser. Every request goes through the model's scheduler, so
/// concurrent requests are batched; a full queue answers 429, a client that disconnects frees its slot. The model loads
/// in the background once the server listens (/health answers 503 until it is ready). SIGTERM or Ctrl+C stops taking
/// connections, lets requests in flight finish up to <see cref="ServerOptions.ShutdownTimeout"/>, then cancels them.
/// <code>await using var server = await BitNetServer.StartAsync(new ServerOptions { ModelPath = "model.gguf", Port = 0 });
/// await server.ModelLoaded;
/// Console.WriteLine(server.Address); // http://127.0.0.1:PORT/
/// await server.WaitForShutdownAsync();</code>
/// </summary>
public sealed class BitNetServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ModelHost _host;

    BitNetServer(WebApplication app, ModelHost host, Uri address)
    {
        _app = app;
        _host = host;
        Address = address;
    }

    /// <summary>
    /// Starts listening (HTTPS with <see cref="ServerOptions.TlsCertificateFile"/>) and begins loading the model; returns
    /// once the server accepts connections. Bad options are an <see cref="ArgumentException"/> naming the option (and the
    /// file); a port in use is an <see cref="IOException"/>.
    /// </summary>
    public static async Task<BitNetServer> StartAsync(ServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var host = new ModelHost();
        var app = Build(options, host);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = new Uri(addresses.First().TrimEnd('/') + "/");
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BitNet.Gpu.Server");
        log.LogInformation("listening on {Address}; loading {Model}", address, options.ModelPath);
        host.StartLoading(options.ModelPath, options.Model, log);
        return new BitNetServer(app, host, address);
    }

    static WebApplication Build(ServerOptions options, ModelHost host)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        var certificate = TlsCertificate.Load(options.TlsCertificateFile, options.TlsKeyFile);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(ListenAddress.Parse(options.Host), options.Port, listen =>
            {
                if (certificate is not null) listen.UseHttps(certificate);
            });
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddCors();
        builder.Services.AddLogging(logging =>
        {
            logging.AddFilter("Microsoft", LogLevel.Warning);
            options.ConfigureLogging?.Invoke(logging);
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(c => c.SuppressStatusMessages = true);

        var app = builder.Build();
        var requests = new RequestCounters();
        app.UseMiddleware<AccessLog>();
        app.Use(requests.CountAsync);
        var origins = new AllowedOrigins(options.AllowedOrigins);
        // Before the key check: a browser's preflight (OPTIONS) carries no key, and is answered here.
        app.UseCors(cors =>
        {
            if (origins.Any) cors.AllowAnyOrigin();
            else cors.SetIsOriginAllowed(origins.IsAllowed);
            cors.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Retry-After").SetPreflightMaxAge(TimeSpan.FromMinutes(10));
        });
        app.UseMiddleware<ErrorHandling>();
        if (options.ApiKey is { } key) app.UseMiddleware<ApiKeyCheck>(key);

        var chat = new ChatCompletionsEndpoint(host);
        var completions = new CompletionsEndpoint(host);
        var models = new ModelsEndpoint(host);
        var health = new HealthEndpoint(host);
        var tokens = new TokenizeEndpoints(host);
        var metrics = new MetricsEndpoint(host, requests);
        var responses = new ResponsesEndpoint(host, new ResponseStore(options.MaxStoredResponses));
        var messages = new MessagesEndpoint(host);
        var embeddings = new EmbeddingsEndpoint(host, options.Pooling);
        var nativeEmbedding = new NativeEmbeddingEndpoint(host, options.Pooling);
        var props = new PropsEndpoint(host);
        var slots = new SlotsEndpoint(host);
        var nativeCompletion = new NativeCompletionEndpoint(host);
        var applyTemplate = new ApplyTemplateEndpoint(host);
        var ollamaGenerate = new OllamaGenerateEndpoint(host);
        var ollamaChat = new OllamaChatEndpoint(host);
        var ollamaEmbed = new OllamaEmbedEndpoint(host, options.Pooling);
        var ollamaModels = new OllamaModelsEndpoint(host);
        var webUi = new WebUiEndpoint(options.WebUi);
        app.MapPost(ChatCompletionsEndpoint.Path, chat.HandleAsync);
        app.MapPost(CompletionsEndpoint.Path, completions.HandleAsync);
        app.MapPost(ResponsesEndpoint.Path, responses.CreateAsync);
        app.MapGet(ResponsesEndpoint.ItemPath, responses.GetAsync);
        app.MapDelete(ResponsesEndpoint.ItemPath, responses.DeleteAsync);
        app.MapGet(ResponsesEndpoint.InputItemsPath, responses.InputItemsAsync);
        app.MapPost(ResponsesEndpoint.InputTokensPath, responses.InputTokensAsync);
        app.MapPost(MessagesEndpoint.Path, messages.CreateAsync);
        app.MapPost(MessagesEndpoint.CountPath, messages.CountTokensAsync);
        app.MapPost(EmbeddingsEndpoint.Path, embeddings.HandleAsync);
        app.MapPost(NativeEmbeddingEndpoint.Path, nativeEmbedding.HandleAsync);
        app.MapPost(NativeEmbeddingEndpoint.PluralPath, nativeEmbedding.HandleAsync);
        app.MapGet(ModelsEndpoint.Path, models.HandleAsync);
        app.MapGet(ModelsEndpoint.ItemPath, models.GetAsync);
        app.MapGet(HealthEndpoint.Path, health.HandleAsync);
        app.MapPost(TokenizeEndpoints.TokenizePath, tokens.TokenizeAsync);
        app.MapPost(TokenizeEndpoints.DetokenizePath, tokens.DetokenizeAsync);
        app.MapPost(ApplyTemplateEndpoint.Path, applyTemplate.HandleAsync);
        app.MapPost(NativeCompletionEndpoint.Path, nativeCompletion.HandleAsync);
        app.MapGet(PropsEndpoint.Path, props.HandleAsync);
        app.MapGet(SlotsEndpoint.Path, slots.HandleAsync);
        app.MapGet(MetricsEndpoint.Path, metrics.HandleAsync);
        app.MapPost(OllamaGenerateEndpoint.Path, ollamaGenerate.HandleAsync);
        app.MapPost(OllamaChatEndpoint.Path, ollamaChat.HandleAsync);
        app.MapPost(OllamaEmbedEndpoint.Path, ollamaEmbed.EmbedAsync);
        app.MapPost(OllamaEmbedEndpoint.LegacyPath, ollamaEmbed.EmbedLegacyAsync);
        app.MapGet(OllamaModelsEndpoint.TagsPath, ollamaModels.TagsAsync);
        app.MapGet(OllamaModelsEndpoint.RunningPath, ollamaModels.RunningAsync);
        app.MapPost(OllamaModelsEndpoint.ShowPath, ollamaModels.ShowAsync);
        app.MapGet(OllamaModelsEndpoint.VersionPath, ollamaModels.VersionAsync);
        app.MapMethods(WebUiEndpoint.RootPath, ["GET", "HEAD"], webUi.RootAsync);
        app.MapMethods(WebUiEndpoint.AssetPath, ["GET", "HEAD"], webUi.AssetAsync);
        requests.KnowRoutes(app);
        return app;
    }

    /// <summary>The address the server listens on, e.g. <c>http://127.0.0.1:8080/</c> (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Completes when the model is loaded and serving; faulted with the reason when it could not be loaded.</summary>
    public Task ModelLoaded => _host.Loaded;

    /// <summary>The model once loaded, else null.</summary>
    public BitNetModel? Model => _host.Model;

    /// <summary>Waits until the server is told to stop (SIGTERM, Ctrl+C, <see cref="StopAsync"/>) and has stopped.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>
    /// Stops taking connections and lets requests in flight finish, up to <see cref="ServerOptions.ShutdownTimeout"/>
    /// (or until <paramref name="cancellationToken"/> is cancelled); then they are cancelled.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Stops the server (as <see cref="StopAsync"/>) and frees the model.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
            try { await _host.Loaded; } catch { /* a failed load has nothing to free */ }
            _host.Dispose();
        }
    }
}
