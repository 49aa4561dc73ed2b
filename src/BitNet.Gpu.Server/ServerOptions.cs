using BitNet.Gpu.Engine.Embeddings;
using Microsoft.Extensions.Logging;

namespace BitNet.Gpu.Server;

/// <summary>
/// How <see cref="BitNetServer.StartAsync"/> serves a model: which model with what options, where to listen, the API
/// key, the request body limit and the shutdown deadline.
/// <code>await using var server = await BitNetServer.StartAsync(new ServerOptions { ModelPath = "model.gguf", Port = 8080 });</code>
/// </summary>
public sealed record ServerOptions
{
    /// <summary>The GGUF model file to serve.</summary>
    public required string ModelPath { get; init; }

    /// <summary>How the model is loaded: backend, device, context, parallel slots, threads, queue limit.</summary>
    public BitNetModelOptions Model { get; init; } = new();

    /// <summary>The address to listen on: an IP address (127.0.0.1, 0.0.0.0, ::) or localhost. Default 127.0.0.1 (this machine only).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (see <see cref="BitNetServer.Address"/>). Default 8080.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>
    /// A PEM certificate (chain) file to serve HTTPS with, together with <see cref="TlsKeyFile"/> (llama-server's
    /// --ssl-cert-file); null (the default): plain HTTP.
    /// </summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The PEM private key file of <see cref="TlsCertificateFile"/> (llama-server's --ssl-key-file).</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>When set, every request but GET /health needs <c>Authorization: Bearer</c> this key; otherwise 401.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The largest request body accepted, in bytes; a larger one is refused with 413. Default 1 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1 << 20;

    /// <summary>
    /// How many responses of the Responses API are kept in memory for previous_response_id and GET /v1/responses/{id}
    /// (the oldest dropped first, and fewer when they pass 64 MiB); 0 keeps none. Default 1024.
    /// </summary>
    public int MaxStoredResponses { get; init; } = 1024;

    /// <summary>How POST /v1/embeddings pools a text's hidden states into its vector: the mean (default) or the last token's.</summary>
    public EmbeddingPooling Pooling { get; init; } = EmbeddingPooling.Mean;

    /// <summary>Whether GET / gives a browser the chat page (llama-server's web UI; --no-webui turns it off). Default true.</summary>
    public bool WebUi { get; init; } = true;

    /// <summary>
    /// The web pages that may call the server from a browser (CORS), as origins (<c>https://app.example.com</c>,
    /// <c>http://localhost:3000</c>) or <c>*</c> for any page; null (the default) allows the pages of this machine
    /// (localhost and loopback addresses, any port), as Ollama does. The chat page at / is the server's own and needs none.
    /// </summary>
    public IReadOnlyList<string>? AllowedOrigins { get; init; }

    /// <summary>On shutdown, how long requests in flight may run on before they are cancelled. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the server logs (default: nowhere); the CLI adds a console logger.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option whose value makes no sense.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath)) throw new ArgumentException("ModelPath must name a GGUF model file", nameof(ModelPath));
        ArgumentNullException.ThrowIfNull(Model, nameof(Model));
        Model.Validate();
        if (Port is < 0 or > 65535) throw new ArgumentException($"Port must be between 0 and 65535, got {Port}", nameof(Port));
        if (ApiKey is { } key && string.IsNullOrWhiteSpace(key)) throw new ArgumentException("ApiKey must not be empty or blank (leave it null for no key)", nameof(ApiKey));
        if (MaxRequestBodyBytes < 1024) throw new ArgumentException($"MaxRequestBodyBytes must be at least 1024, got {MaxRequestBodyBytes}", nameof(MaxRequestBodyBytes));
        if (MaxStoredResponses < 0) throw new ArgumentException($"MaxStoredResponses must be 0 or more, got {MaxStoredResponses}", nameof(MaxStoredResponses));
        if (!Enum.IsDefined(Pooling)) throw new ArgumentException($"Pooling must be mean or last, got {(int)Pooling}", nameof(Pooling));
        if (ShutdownTimeout < TimeSpan.Zero) throw new ArgumentException($"ShutdownTimeout must not be negative, got {ShutdownTimeout}", nameof(ShutdownTimeout));
        Http.AllowedOrigins.Validate(AllowedOrigins);
        Http.TlsCertificate.Validate(TlsCertificateFile, TlsKeyFile);
        ListenAddress.Parse(Host);
    }
}
