using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Engine.Hosting;

/// <summary>How to load a model: which backend, threads, context and batch size.</summary>
public sealed record LoadOptions
{
    /// <summary>--backend: auto, cpu, cuda, opencl, vulkan or reference.</summary>
    public string Backend { get; init; } = "auto";
    public BackendOptions BackendOptions { get; init; } = new();
    /// <summary>--ctx: tokens the KV cache holds; 0 = the model's context, at most 4096.</summary>
    public int ContextLength { get; init; }
    /// <summary>Prompt tokens processed per batch: the most tokens one step carries.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>--parallel: sequences generated at once, each with its own slot of <see cref="ContextLength"/> positions in the KV cache.</summary>
    public int Parallel { get; init; } = 1;
    /// <summary>--cache-type: how the KV cache is stored; null = the backend's default.</summary>
    public KvCacheType? CacheType { get; init; }
    /// <summary>Run the graph through a <see cref="ProfilingBackend"/> so each operation can be timed (bench --profile).</summary>
    public bool Profile { get; init; }

    public const int DefaultMaxContext = 4096;
}

/// <summary>A model ready to run: the file, its description, its tokenizer, a backend and the graph on it.</summary>
public sealed class LoadedModel : IDisposable
{
    public required GgufFile File { get; init; }
    public required ModelDescription Description { get; init; }
    public required Tokenizer Tokenizer { get; init; }
    public required IComputeBackend Backend { get; init; }
    public required TransformerGraph Graph { get; init; }
    /// <summary>The per-operation timings when loaded with <see cref="LoadOptions.Profile"/>; else null.</summary>
    public OperationProfile? Profile => _profiler?.Profile;

    ProfilingBackend? _profiler;

    /// <summary>
    /// Opens, checks (structure, then every float for NaN and infinity) and uploads a model. <paramref name="progress"/> gets (tensors done, total, name).
    /// </summary>
    public static LoadedModel Load(string path, LoadOptions options, BackendRegistry registry, Action<int, int, string>? progress = null)
    {
        if (options.ContextLength < 0)
            throw new ArgumentException($"--ctx must be positive, got {options.ContextLength}", nameof(options));
        if (options.BatchSize <= 0 || options.BatchSize > 1 << 16)
            throw new ArgumentException($"--batch-size must be between 1 and 65536, got {options.BatchSize}", nameof(options));
        if (options.Parallel < 1 || options.Parallel > TransformerGraph.MaxSequences)
            throw new ArgumentException($"--parallel must be between 1 and {TransformerGraph.MaxSequences}, got {options.Parallel}", nameof(options));

        var file = GgufFile.Open(path);
        IComputeBackend? backend = null;
        ProfilingBackend? profiler = null;
        try
        {
            var description = ModelDescriptionReader.Read(file);
            // The tokenizer is built while the weights are checked: one thread of work beside a scan that waits on memory.
            var tokenizerBuild = Task.Run(() => new Tokenizer(GgufVocabularyReader.Read(file.Metadata, path)));
            FiniteTensorCheck.Check(file);
            var tokenizer = tokenizerBuild.GetAwaiter().GetResult();
            if (tokenizer.Count > description.Hyperparameters.VocabSize)
                throw new Model.ModelFormatException(path, $"the vocabulary has {tokenizer.Count} tokens but token_embd.weight has only {description.Hyperparameters.VocabSize} rows");

            int modelContext = description.Hyperparameters.ContextLength;
            int context = options.ContextLength == 0 ? Math.Min(modelContext, LoadOptions.DefaultMaxContext) : options.ContextLength;
            if (context > modelContext)
                throw new ArgumentException($"--ctx {context} is larger than the model's context length {modelContext}", nameof(options));

            backend = registry.Create(options.Backend, options.BackendOptions);
            CheckKvCacheFits(description.Hyperparameters, context, options.Parallel, options.CacheType ?? backend.KvCacheTypes[0]);
            if (options.Profile) profiler = new ProfilingBackend(backend);
            var graph = new TransformerGraph(description, (IComputeBackend?)profiler ?? backend, context, options.BatchSize, progress, options.CacheType, options.Parallel);
            return new LoadedModel { File = file, Description = description, Tokenizer = tokenizer, Backend = backend, Graph = graph, _profiler = profiler };
        }
        catch
        {
            profiler?.Dispose();
            backend?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The KV cache is allocated whole, up front: a context the memory cannot hold (a file may claim any context length,
    /// and --ctx may ask for it) is an error naming --ctx instead of an allocation that fails or swaps. Host memory is
    /// the bound: it is what the CPU backends use, and no GPU here has more.
    /// </summary>
    static void CheckKvCacheFits(Hyperparameters hp, int context, int sequences, KvCacheType type)
    {
        long bytes = 2L * hp.BlockCount * context * sequences * hp.KeyValueHeadCount * hp.HeadDim * type.ElementBytes(); // keys and values
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        string what = sequences == 1 ? $"--ctx {context}" : $"--ctx {context} with --parallel {sequences}";
        if (memory > 0 && bytes > memory)
            throw new ArgumentException($"{what} needs a {bytes / 1e9:F1} GB KV cache ({type.Name()}), more than this machine's " +
                                        $"{memory / 1e9:F1} GB of memory; use a smaller --ctx" + (sequences == 1 ? "" : " or --parallel"), "options");
    }

    public void Dispose()
    {
        Graph.Dispose();
        _profiler?.Dispose();
        Backend.Dispose();
        File.Dispose();
    }
}
