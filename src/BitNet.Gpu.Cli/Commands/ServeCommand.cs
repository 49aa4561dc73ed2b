using System.CommandLine;
using BitNet.Gpu.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// bitnet-gpu serve: an OpenAI-compatible HTTP server (see <see cref="BitNetServer"/>), with llama-server's option
/// names. Logs go to stderr; SIGTERM or Ctrl+C stops it gracefully.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var host = new Option<string>("--host") { Description = "address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 address), :: or localhost", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0: a free one)", DefaultValueFactory = _ => 8080 };
        var parallel = new Option<int>("--parallel", "-np") { Description = "requests generated at once (slots, each with --ctx positions)", DefaultValueFactory = _ => 4 };
        var queue = new Option<int>("--max-queue") { Description = "requests that may wait for a free slot; more are answered 429", DefaultValueFactory = _ => 256 };
        var apiKey = new Option<string?>("--api-key") { Description = "require 'Authorization: Bearer KEY' on every request but /health and the chat page (default: $BITNET_GPU_API_KEY, else none)" };
        var alias = new Option<string?>("--alias", "-a") { Description = "the model's name in answers and model lists (default: the file name without .gguf)" };
        var template = new Option<string?>("--chat-template") { Description = "a Jinja chat template file to use instead of the model's" };
        var maxBody = new Option<long>("--max-body") { Description = "largest request body in bytes (larger: 413)", DefaultValueFactory = _ => 1 << 20 };
        var storedResponses = new Option<int>("--max-stored-responses") { Description = "responses of /v1/responses kept in memory for previous_response_id (0: none)", DefaultValueFactory = _ => 1024 };
        var pooling = new Option<string>("--pooling") { Description = "how /v1/embeddings pools a text's hidden states: mean (every token's) or last (the last token's)", DefaultValueFactory = _ => "mean" };
        var origins = new Option<string?>("--allowed-origins") { Description = "web pages that may call the server from a browser (CORS): origins separated by commas, or * for any page (default: pages of this machine)" };
        var certificate = new Option<string?>("--ssl-cert-file") { Description = "serve HTTPS with this PEM certificate (chain) file, with --ssl-key-file" };
        var keyFile = new Option<string?>("--ssl-key-file") { Description = "the PEM private key file of --ssl-cert-file" };
        var noWebUi = new Option<bool>("--no-webui") { Description = "no chat page at / (a browser gets one line, as any other client)" };
        var shutdown = new Option<int>("--shutdown-timeout") { Description = "seconds requests in flight may run on after SIGTERM or Ctrl+C", DefaultValueFactory = _ => 30 };

        var command = new Command("serve", "Serve the model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/responses, /v1/embeddings; Anthropic's /v1/messages; Ollama's /api/chat, /api/generate, /api/embed; /health, /metrics)")
        {
            host, port, parallel, queue, apiKey, alias, template, maxBody, storedResponses, pooling, origins, certificate, keyFile, noWebUi, shutdown,
        };
        engine.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var (path, load) = engine.Read(parse);
            if (load.CacheType is not null) throw new UsageException("serve keeps the backend's own KV cache type; leave --cache-type at auto");
            int slots = parse.GetValue(parallel);
            if (slots < 1) throw new UsageException($"--parallel must be 1 or more, got {slots}");
            int waiting = parse.GetValue(queue);
            if (waiting < 0) throw new UsageException($"--max-queue must be 0 or more, got {waiting}");
            int seconds = parse.GetValue(shutdown);
            if (seconds < 0) throw new UsageException($"--shutdown-timeout must be 0 or more seconds, got {seconds}");
            var pool = EmbedCommand.ReadPooling(parse.GetValue(pooling)!);
            string? key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("BITNET_GPU_API_KEY");
            if (key is not null && string.IsNullOrWhiteSpace(key)) throw new UsageException("--api-key must not be empty");

            var options = new ServerOptions
            {
                ModelPath = path,
                Model = new BitNetModelOptions
                {
                    Backend = load.Backend,
                    Device = load.BackendOptions.Device,
                    Threads = load.BackendOptions.Threads,
                    OutputType = load.BackendOptions.OutputType,
                    ContextLength = load.ContextLength,
                    BatchSize = load.BatchSize,
                    Parallel = slots,
                    MaxQueuedRequests = waiting,
                    ModelId = parse.GetValue(alias),
                    ChatTemplate = parse.GetValue(template) is { } file ? Utf8TextFile.Read(file) : null,
                    BackendProviders = [.. Backends.Registry.Providers],
                },
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                ApiKey = key,
                MaxRequestBodyBytes = parse.GetValue(maxBody),
                MaxStoredResponses = parse.GetValue(storedResponses),
                Pooling = pool,
                WebUi = !parse.GetValue(noWebUi),
                TlsCertificateFile = parse.GetValue(certificate),
                TlsKeyFile = parse.GetValue(keyFile),
                AllowedOrigins = parse.GetValue(origins)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                ShutdownTimeout = TimeSpan.FromSeconds(seconds),
                ConfigureLogging = logging => logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace)
                                                     .AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss "; }),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(UsageMessage(e));
            }
            return ServeAsync(options).GetAwaiter().GetResult();
        }));
        return command;
    }

    /// <summary>Serves until SIGTERM or Ctrl+C; a model that fails to load stops the server and is the error.</summary>
    static async Task<int> ServeAsync(ServerOptions options)
    {
        BitNetServer started;
        try
        {
            started = await BitNetServer.StartAsync(options);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(UsageMessage(e)); // a certificate that cannot be read, named by its option
        }
        await using var server = started;
        var stopped = server.WaitForShutdownAsync();
        if (await Task.WhenAny(server.ModelLoaded, stopped) == server.ModelLoaded)
        {
            await server.ModelLoaded; // a load failure throws here: CliErrors names the file
            string page = options.WebUi ? $"chat in a browser at {server.Address}, " : "";
            Console.Error.WriteLine($"bitnet-gpu: serving {server.Model!.ModelId} on {server.Address} ({page}POST {server.Address}v1/chat/completions); Ctrl+C stops");
            await stopped;
        }
        return 0;
    }

    /// <summary>The option behind a <see cref="ServerOptions"/> or model option error, as the command line spells it.</summary>
    static string UsageMessage(ArgumentException e)
    {
        string message = e.Message.Split(" (Parameter")[0];
        return e.ParamName switch
        {
            nameof(ServerOptions.Host) => message.Replace("Host", "--host"),
            nameof(ServerOptions.Port) => message.Replace("Port", "--port"),
            nameof(ServerOptions.MaxRequestBodyBytes) => message.Replace("MaxRequestBodyBytes", "--max-body"),
            nameof(ServerOptions.MaxStoredResponses) => message.Replace("MaxStoredResponses", "--max-stored-responses"),
            nameof(ServerOptions.TlsCertificateFile) or nameof(ServerOptions.TlsKeyFile) =>
                message.Replace("TlsCertificateFile", "--ssl-cert-file").Replace("TlsKeyFile", "--ssl-key-file"),
            nameof(ServerOptions.AllowedOrigins) => message.Replace("AllowedOrigins", "--allowed-origins").Replace(" (or be null for pages of this machine)", ""),
            nameof(BitNetModelOptions.Parallel) => message.Replace("Parallel", "--parallel"),
            nameof(BitNetModelOptions.ModelId) => message.Replace("ModelId", "--alias").Replace(" (or null for the file name)", ""),
            _ => message,
        };
    }
}
