using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>The CLI's backend registry knows cuda and opencl, and asking for one without a device is a clear error.</summary>
public sealed class IlgpuRegistrationTests
{
    [Fact]
    public void CliRegistry_HasCudaAndOpenCl()
    {
        var names = BitNet.Gpu.Cli.Commands.Backends.Registry.Names;
        Assert.Contains("cuda", names);
        Assert.Contains("opencl", names);
    }

    [Theory]
    [InlineData(IlgpuDeviceKind.Cuda)]
    [InlineData(IlgpuDeviceKind.OpenCL)]
    public void CreatingABackendWithoutADevice_NamesTheProblem(IlgpuDeviceKind kind)
    {
        var registry = new BackendRegistry();
        var provider = new IlgpuBackendProvider(kind);
        registry.Register(provider);
        try
        {
            if (provider.Devices().Count > 0) return;   // this machine has one: nothing to check here
        }
        catch (BackendUnavailableException) { }   // no driver library: Create says so
        var error = Assert.Throws<ArgumentException>(() => registry.Create(provider.Name, new BackendOptions()));
        Assert.Contains($"no {provider.Name} device", error.Message);
    }

    [Fact]
    public void DeviceIndexBeyondTheList_IsAnArgumentError()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => IlgpuAccelerators.CreateBackend(IlgpuDeviceKind.Cpu, 5));
        Assert.Equal("index", error.ParamName);
    }
}
