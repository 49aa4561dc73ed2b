using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Engine.Backends.Reference;

namespace BitNet.Gpu.Engine.Backends;

/// <summary>What a backend provider found on this machine: one entry per usable device.</summary>
public sealed record BackendDevice(string Backend, int Index, string Name, string Details)
{
    /// <summary>False for devices that run on the CPU (Mesa's lavapipe, PoCL): <c>auto</c> never picks them over the CPU backend.</summary>
    public bool IsGpu { get; init; } = true;
}

/// <summary>Creates backends of one kind (cpu, cuda, opencl, vulkan) and lists the devices it can use.</summary>
public interface IBackendProvider
{
    /// <summary>The --backend name.</summary>
    string Name { get; }
    /// <summary>The devices found; empty when the hardware is missing, a <see cref="BackendUnavailableException"/> saying
    /// why when the backend cannot look (its driver library does not load).</summary>
    IReadOnlyList<BackendDevice> Devices();
    IComputeBackend Create(BackendOptions options);
}

/// <summary>A backend that cannot list devices on this machine, and why (e.g. its driver library does not load).</summary>
public sealed class BackendUnavailableException(string backend, string reason) : Exception($"{backend} is unavailable: {reason}")
{
    public string Backend { get; } = backend;
    public string Reason { get; } = reason;
}

/// <summary>Options every backend understands.</summary>
public sealed record BackendOptions
{
    /// <summary>CPU worker threads (0 = one per core).</summary>
    public int Threads { get; init; }
    /// <summary>Which device of the backend to use (--device N).</summary>
    public int Device { get; init; }
    /// <summary>How a GPU backend keeps an F16 output layer (--output-type); backends without the choice keep it as stored.</summary>
    public OutputLayerType OutputType { get; init; }
}

/// <summary>How the output layer (the logits' matrix) is kept on a GPU.</summary>
public enum OutputLayerType
{
    /// <summary>As the file stores it: the logits are exact up to float summation order.</summary>
    Stored,
    /// <summary>As stored, and products for a top-k sampler screened by an int8 copy of an F16 output layer: exact for
    /// every row the sampler can pick, −∞ for the others (what the CPU backend always does).</summary>
    Screened,
    /// <summary>An F16 output layer as int8 blocks of 32 with a scale each, multiplied by its input quantized the same
    /// way: 0.56 of the F16 bytes per token, at the cost of logits off by about a percent of their spread.</summary>
    Int8,
}

/// <summary>
/// The backends known to this process, by name. The engine registers cpu and reference; the GPU backends live
/// in their own assemblies and are registered by the host (the CLI), so the engine never references ILGPU or Vulkan.
/// <c>auto</c> picks the first provider with a GPU device in the order cuda, opencl, vulkan, and otherwise cpu.
/// </summary>
public sealed class BackendRegistry
{
    static readonly string[] AutoOrder = ["cuda", "opencl", "vulkan", "cpu"];
    readonly Dictionary<string, IBackendProvider> _providers = new(StringComparer.OrdinalIgnoreCase);

    public BackendRegistry()
    {
        Register(new DelegateProvider("cpu", () => [new BackendDevice("cpu", 0, "host CPU",
                $"{Environment.ProcessorCount} cores, {Kernels.Cpu.SimdSupport.Best} ternary kernels") { IsGpu = false }],
            options => new CpuBackend(options.Threads, Cpu.PackedWeightCache.DefaultFolder())));
        Register(new DelegateProvider("reference", () => [new BackendDevice("reference", 0, "host", "plain C# reference (slow; for checking)") { IsGpu = false }],
            _ => new ReferenceBackend()));
    }

    public void Register(IBackendProvider provider) => _providers[provider.Name] = provider;

    public IEnumerable<IBackendProvider> Providers => _providers.Values;

    public IReadOnlyList<string> Names => ["auto", .. _providers.Keys];

    /// <summary>Creates the named backend (or the best one for "auto"); unknown names are an ArgumentException naming --backend.</summary>
    public IComputeBackend Create(string name, BackendOptions options)
    {
        if (name.Equals("auto", StringComparison.OrdinalIgnoreCase))
            name = AutoOrder.First(n => _providers.TryGetValue(n, out var p) && (n == "cpu" || HasGpu(p)));
        if (!_providers.TryGetValue(name, out var provider))
            throw new ArgumentException($"--backend '{name}' is not known (choose from {string.Join(", ", Names)})", nameof(name));
        IReadOnlyList<BackendDevice> devices;
        try { devices = provider.Devices(); }
        catch (BackendUnavailableException e)
        {
            throw new ArgumentException($"--backend {name}: no {name} device was found on this machine ({e.Reason})", nameof(name));
        }
        if (devices.Count == 0)
            throw new ArgumentException($"--backend {name}: no {name} device was found on this machine", nameof(name));
        if (options.Device < 0 || options.Device >= devices.Count)
            throw new ArgumentException($"--device {options.Device} is out of range: {name} has {devices.Count} device(s)", nameof(options));
        return provider.Create(options);
    }

    static bool HasGpu(IBackendProvider provider)
    {
        try { return provider.Devices().Any(d => d.IsGpu); }
        catch (BackendUnavailableException) { return false; }   // auto moves on to the next backend
    }

    /// <summary>A provider from two delegates, for backends that need no class of their own.</summary>
    public sealed class DelegateProvider(string name, Func<IReadOnlyList<BackendDevice>> devices, Func<BackendOptions, IComputeBackend> create) : IBackendProvider
    {
        public string Name => name;
        public IReadOnlyList<BackendDevice> Devices() => devices();
        public IComputeBackend Create(BackendOptions options) => create(options);
    }
}
