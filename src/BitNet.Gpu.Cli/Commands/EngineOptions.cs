using System.CommandLine;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>The options every verb that loads a model shares: -m, --backend, --device, --threads, --ctx, --batch-size, --cache-type,
/// --output-type.</summary>
public sealed class EngineOptions
{
    public Option<string?> Model { get; } = new("--model", "-m") { Description = "GGUF model file (default: the model bundled in models/)" };
    public Option<string> Backend { get; } = new("--backend") { Description = "auto, cpu, cuda, opencl, vulkan or reference", DefaultValueFactory = _ => "auto" };
    public Option<int> Device { get; } = new("--device") { Description = "device index within the backend (see 'bitnet-gpu devices')" };
    public Option<int> Threads { get; } = new("--threads", "-t") { Description = "CPU threads (default: one per core)" };
    public Option<int> Context { get; } = new("--ctx", "-c") { Description = "context length in tokens (default: the model's, at most 4096)" };
    public Option<int> BatchSize { get; } = new("--batch-size", "-b") { Description = "prompt tokens per batch", DefaultValueFactory = _ => 128 };
    public Option<string> CacheType { get; } = new("--cache-type") { Description = "KV cache type: auto (the backend's: f16, f32 on reference), f16 or f32", DefaultValueFactory = _ => "auto" };
    public Option<string> OutputType { get; } = new("--output-type") { Description = "how the GPU backends (cuda, opencl, vulkan) keep an F16 output layer: stored (exact), screened (exact where a top-k sampler can pick, through an int8 screen) or int8 (0.56 of the bytes per token, logits within about 1%)", DefaultValueFactory = _ => "stored" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Backend, Device, Threads, Context, BatchSize, CacheType, OutputType })
            command.Options.Add(option);
    }

    /// <summary>Reads and checks the options; a bad value is a UsageException naming the option.</summary>
    public (string ModelPath, LoadOptions Load) Read(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        if (threads < 0 || threads > 1024) throw new UsageException($"--threads must be between 0 and 1024, got {threads}");
        int device = parse.GetValue(Device);
        if (device < 0) throw new UsageException($"--device must be 0 or more, got {device}");
        int context = parse.GetValue(Context);
        if (context < 0) throw new UsageException($"--ctx must be positive, got {context}");
        int batch = parse.GetValue(BatchSize);
        if (batch is <= 0 or > 65536) throw new UsageException($"--batch-size must be between 1 and 65536, got {batch}");
        string backend = parse.GetValue(Backend)!;
        if (!Backends.Registry.Names.Contains(backend, StringComparer.OrdinalIgnoreCase))
            throw new UsageException($"--backend '{backend}' is not known (choose from {string.Join(", ", Backends.Registry.Names)})");

        string cacheName = parse.GetValue(CacheType)!;
        KvCacheType? cacheType = null;
        if (!cacheName.Equals("auto", StringComparison.OrdinalIgnoreCase))
            cacheType = KvCacheTypes.Parse(cacheName) ?? throw new UsageException($"--cache-type '{cacheName}' is not known (choose from auto, f16, f32)");

        string outputName = parse.GetValue(OutputType)!;
        var outputType = outputName.ToLowerInvariant() switch
        {
            "stored" => OutputLayerType.Stored,
            "screened" => OutputLayerType.Screened,
            "int8" => OutputLayerType.Int8,
            _ => throw new UsageException($"--output-type '{outputName}' is not known (choose from stored, screened, int8)"),
        };

        var load = new LoadOptions
        {
            Backend = backend,
            BackendOptions = new BackendOptions { Threads = threads, Device = device, OutputType = outputType },
            ContextLength = context,
            BatchSize = batch,
            CacheType = cacheType,
        };
        return (parse.GetValue(Model) ?? DefaultModel.Resolve(), load);
    }

    /// <summary>Loads the model with a progress bar on stderr; <paramref name="profile"/> times each operation (bench --profile);
    /// <paramref name="adjust"/> changes the options read before loading (a verb's own settings, such as bench's slots).</summary>
    public LoadedModel Load(ParseResult parse, bool profile = false, Func<LoadOptions, LoadOptions>? adjust = null)
    {
        var (path, load) = Read(parse);
        load = load with { Profile = profile };
        if (adjust is not null) load = adjust(load);
        return Progress.Run($"loading {Path.GetFileName(path)}", report => LoadedModel.Load(path, load, Backends.Registry, report));
    }
}
