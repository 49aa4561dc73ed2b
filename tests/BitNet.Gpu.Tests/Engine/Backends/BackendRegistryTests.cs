using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;

namespace BitNet.Gpu.Tests.Engine.Backends;

public class BackendRegistryTests
{
    static BackendRegistry.DelegateProvider Fake(string name, bool isGpu, List<string> created) =>
        new(name, () => [new BackendDevice(name, 0, "fake", "") { IsGpu = isGpu }], _ => { created.Add(name); return new ReferenceBackend(); });

    [Fact]
    public void AutoPrefersCudaThenOpenClThenVulkanGpusThenCpu()
    {
        var created = new List<string>();
        var registry = new BackendRegistry();
        registry.Register(Fake("vulkan", isGpu: false, created)); // lavapipe: runs on the CPU
        using (var b = registry.Create("auto", new BackendOptions())) Assert.Equal("cpu", b.Name);

        registry.Register(Fake("vulkan", isGpu: true, created));
        registry.Create("auto", new BackendOptions()).Dispose();
        registry.Register(Fake("opencl", isGpu: true, created));
        registry.Create("auto", new BackendOptions()).Dispose();
        registry.Register(Fake("cuda", isGpu: true, created));
        registry.Create("auto", new BackendOptions()).Dispose();
        Assert.Equal(["vulkan", "opencl", "cuda"], created);
    }

    [Fact]
    public void UnknownBackendsAndDevicesAreClearErrors()
    {
        var registry = new BackendRegistry();
        Assert.Contains("--backend 'tpu'", Assert.Throws<ArgumentException>(() => registry.Create("tpu", new BackendOptions())).Message);
        Assert.Contains("--device 3", Assert.Throws<ArgumentException>(() => registry.Create("cpu", new BackendOptions { Device = 3 })).Message);
        registry.Register(new BackendRegistry.DelegateProvider("cuda", () => [], _ => throw new InvalidOperationException()));
        Assert.Contains("no cuda device", Assert.Throws<ArgumentException>(() => registry.Create("cuda", new BackendOptions())).Message);
    }

    [Fact]
    public void UnavailableBackends_AreSkippedByAutoAndExplainedWhenNamed()
    {
        var registry = new BackendRegistry();
        registry.Register(new BackendRegistry.DelegateProvider("cuda",
            () => throw new BackendUnavailableException("cuda", "libcuda.so.1 could not be loaded: no such file"), _ => throw new InvalidOperationException()));
        using (var b = registry.Create("auto", new BackendOptions())) Assert.Equal("cpu", b.Name);
        var error = Assert.Throws<ArgumentException>(() => registry.Create("cuda", new BackendOptions()));
        Assert.Contains("no cuda device", error.Message);
        Assert.Contains("libcuda.so.1 could not be loaded: no such file", error.Message);
    }
}
