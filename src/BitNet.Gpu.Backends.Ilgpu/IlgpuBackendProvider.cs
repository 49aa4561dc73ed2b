using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>The <c>cuda</c> or <c>opencl</c> backend for the registry: lists devices and creates backends on them.</summary>
public sealed class IlgpuBackendProvider(IlgpuDeviceKind kind) : IBackendProvider
{
    public string Name => IlgpuAccelerators.BackendName(kind);

    public IReadOnlyList<BackendDevice> Devices() =>
        [.. IlgpuAccelerators.Devices(kind).Select((d, i) => new BackendDevice(Name, i, d.Name, IlgpuAccelerators.Describe(d)))];

    public IComputeBackend Create(BackendOptions options) => IlgpuAccelerators.CreateBackend(kind, options.Device);

    /// <summary>The providers to register: cuda and opencl.</summary>
    public static IEnumerable<IBackendProvider> All() => [new IlgpuBackendProvider(IlgpuDeviceKind.Cuda), new IlgpuBackendProvider(IlgpuDeviceKind.OpenCL)];
}
