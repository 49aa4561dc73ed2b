using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>The <c>cuda</c> or <c>opencl</c> backend for the registry: lists devices and creates backends on them.</summary>
public sealed class IlgpuBackendProvider(IlgpuDeviceKind kind) : IBackendProvider
{
    public string Name => IlgpuAccelerators.BackendName(kind);

    /// <summary>The usable devices; a <see cref="BackendUnavailableException"/> naming the library when there are none
    /// because the driver library cannot be loaded (libcuda.so.1, libOpenCL.so.1).</summary>
    public IReadOnlyList<BackendDevice> Devices()
    {
        var devices = IlgpuAccelerators.Devices(kind);
        if (devices.Count == 0 && IlgpuAccelerators.DriverLoadError(kind) is { } reason)
            throw new BackendUnavailableException(Name, reason);
        return [.. devices.Select((d, i) => new BackendDevice(Name, i, d.Name, IlgpuAccelerators.Describe(d)))];
    }

    public IComputeBackend Create(BackendOptions options) => IlgpuAccelerators.CreateBackend(kind, options.Device, outputType: options.OutputType);

    /// <summary>The providers to register: cuda and opencl.</summary>
    public static IEnumerable<IBackendProvider> All() => [new IlgpuBackendProvider(IlgpuDeviceKind.Cuda), new IlgpuBackendProvider(IlgpuDeviceKind.OpenCL)];
}
