using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Graph;

namespace BitNet.Gpu;

/// <summary>
/// How <see cref="BitNetModel.Load"/> loads a model: the backend and device, the context, how many requests run at once
/// and how many may wait.
/// <code>using var model = BitNetModel.Load("model.gguf", new BitNetModelOptions { Parallel = 4, ContextLength = 2048 });</code>
/// </summary>
public sealed record BitNetModelOptions
{
    /// <summary>
    /// The backend: <c>auto</c> (the first GPU backend with a device among those registered, else the CPU), <c>cpu</c>,
    /// <c>reference</c>, or a GPU backend added through <see cref="BackendProviders"/> (<c>cuda</c>, <c>opencl</c>, <c>vulkan</c>).
    /// </summary>
    public string Backend { get; init; } = "auto";

    /// <summary>Which device of the backend to use (0 = the first).</summary>
    public int Device { get; init; }

    /// <summary>Positions each sequence's KV cache holds; 0 = the model's context, at most 4096.</summary>
    public int ContextLength { get; init; }

    /// <summary>Requests generated at once (continuous batching), each with its own <see cref="ContextLength"/> positions.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>CPU worker threads; 0 = one per core.</summary>
    public int Threads { get; init; }

    /// <summary>How a GPU backend (cuda, opencl) keeps an F16 output layer: as stored (exact logits, the default), screened
    /// (exact where a top-k sampler can pick, through an int8 screen) or as int8 (0.56 of the bytes per token, logits within
    /// about 1% of their largest magnitude).</summary>
    public OutputLayerType OutputType { get; init; }

    /// <summary>The most tokens one forward step carries (prompt tokens are processed in batches of this size).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Requests that may wait for a free slot; one more is refused with <see cref="Engine.Scheduling.SchedulerQueueFullException"/>.</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>
    /// The name the model goes by (<see cref="BitNetModel.ModelId"/>; a server's model name, as llama-server's --alias);
    /// null = the file name without its extension. At most <see cref="MaxModelIdLength"/> characters, none a control character.
    /// </summary>
    public string? ModelId { get; init; }

    /// <summary>The longest <see cref="ModelId"/>.</summary>
    public const int MaxModelIdLength = 256;

    /// <summary>A Jinja chat template to use instead of the model's own (null = the model's).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>
    /// GPU backend providers to make available besides cpu and reference, e.g. <c>new VulkanProvider()</c> from the
    /// BitNet.Gpu.Vulkan package or <c>IlgpuBackendProvider.All()</c> from BitNet.Gpu.Ilgpu.
    /// </summary>
    public IReadOnlyList<IBackendProvider> BackendProviders { get; init; } = [];

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option whose value makes no sense.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(Backend), nameof(Backend), "Backend must name a backend (auto, cpu, ...)");
        Require(Device >= 0, nameof(Device), $"Device must be 0 or more, got {Device}");
        Require(ContextLength >= 0, nameof(ContextLength), $"ContextLength must be 0 (the model's) or positive, got {ContextLength}");
        Require(Parallel >= 1 && Parallel <= TransformerGraph.MaxSequences, nameof(Parallel),
            $"Parallel must be between 1 and {TransformerGraph.MaxSequences}, got {Parallel}");
        Require(Threads >= 0, nameof(Threads), $"Threads must be 0 (one per core) or positive, got {Threads}");
        Require(BatchSize >= 1 && BatchSize <= 1 << 16, nameof(BatchSize), $"BatchSize must be between 1 and 65536, got {BatchSize}");
        Require(MaxQueuedRequests >= 0, nameof(MaxQueuedRequests), $"MaxQueuedRequests must be 0 or more, got {MaxQueuedRequests}");
        Require(ModelId is null || ModelId.Length is > 0 and <= MaxModelIdLength && !ModelId.Any(char.IsControl) && !string.IsNullOrWhiteSpace(ModelId),
            nameof(ModelId), $"ModelId must be 1 to {MaxModelIdLength} characters without control characters (or null for the file name)");
        Require(BackendProviders is not null && BackendProviders.All(p => p is not null), nameof(BackendProviders),
            "BackendProviders must not be null or hold null");
    }

    static void Require(bool condition, string option, string message)
    {
        if (!condition) throw new ArgumentException(message, option);
    }
}
