using Silk.NET.Vulkan;
using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>Device listing and selection, and validation messages turned into exceptions.</summary>
public sealed class VulkanDeviceTests
{
    [VulkanFact]
    public void Devices_ListsLavapipeWithTypeMemoryAndApiVersion()
    {
        var devices = VulkanDevices.List();
        var lavapipe = Assert.Single(devices);   // VK_ICD_FILENAMES pins the one driver
        Assert.Equal(("vulkan", 0), (lavapipe.Backend, lavapipe.Index));
        Assert.Contains("llvmpipe", lavapipe.Name);
        Assert.Matches(@"^CPU, \d+\.\d GiB, Vulkan 1\.\d+\.\d+$", lavapipe.Details);
    }

    [VulkanFact]
    public void Registry_CreatesTheVulkanBackendOnTheChosenDevice()
    {
        var registry = new BackendRegistry();
        registry.Register(new VulkanProvider());
        using var backend = registry.Create("vulkan", new BackendOptions { Device = 0 });
        Assert.Equal("vulkan", backend.Name);
        Assert.Contains("llvmpipe", backend.DeviceDescription);
        Assert.Throws<ArgumentException>(() => registry.Create("vulkan", new BackendOptions { Device = 1 }));
    }

    [VulkanFact]
    public void DeviceIndexOutOfRange_IsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => new VulkanBackend(new VulkanBackendOptions { Device = 7 }));
        Assert.Contains("--device 7", error.Message);
    }

    [VulkanFact]
    public void ValidationError_BecomesAnExceptionNamingTheRule()
    {
        using var context = new VulkanContext(new VulkanBackendOptions { Validation = true });
        using var kernel = new Kernel(context, "add", bindingCount: 2, pushConstantWords: 1);
        using var stream = new CommandStream(context);
        using var x = new GpuBuffer(context, 1024, hostVisible: false);
        using var y = new GpuBuffer(context, 1024, hostVisible: false);
        // An offset of 4 bytes breaks minStorageBufferOffsetAlignment (16 on lavapipe): the layer must object.
        stream.Dispatch(kernel, [x.Window(4, 512), y.Window(0, 512)], [128u], 2);
        var error = Assert.Throws<VulkanValidationException>(() => stream.Finish());
        Assert.Contains("minStorageBufferOffsetAlignment", error.Message);
    }

    [VulkanFact]
    public void ReadbackMemory_IsHostCachedWhereTheDeviceHasIt_AndReadsBackWhatTheDeviceWrote()
    {
        using var context = new VulkanContext(new VulkanBackendOptions { Validation = true });
        using var readback = new GpuBuffer(context, 1024, hostVisible: true, hostReads: true);
        bool deviceHasCached = Enumerable.Range(0, (int)context.MemoryProperties.MemoryTypeCount)
            .Any(i => (context.MemoryProperties.MemoryTypes[i].PropertyFlags & (MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCachedBit))
                      == (MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCachedBit));
        Assert.True(deviceHasCached, "lavapipe has host-cached memory");
        Assert.True((readback.MemoryFlags & MemoryPropertyFlags.HostCachedBit) != 0, $"readback memory is {readback.MemoryFlags}");

        using var stream = new CommandStream(context);
        using var device = new GpuBuffer(context, 1024, hostVisible: false);
        var written = Enumerable.Range(0, 256).Select(i => i * 3 + 1).ToArray();
        stream.Upload(device, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(written.AsSpan()));
        var read = new int[256];
        stream.Download(device, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(read.AsSpan()));
        Assert.Equal(written, read);
    }

    [Fact]
    public void FailedCalls_NameTheCallAndALostDeviceSaysSo()
    {
        VulkanException.Check(Silk.NET.Vulkan.Result.Success, "vkQueueSubmit");
        var lost = Assert.Throws<VulkanException>(() => VulkanException.Check(Silk.NET.Vulkan.Result.ErrorDeviceLost, "vkWaitForFences"));
        Assert.Contains("vkWaitForFences", lost.Message);
        Assert.Contains("VK_ERROR_DEVICE_LOST", lost.Message);
        var other = Assert.Throws<VulkanException>(() => VulkanException.Check(Silk.NET.Vulkan.Result.ErrorOutOfDeviceMemory, "vkAllocateMemory"));
        Assert.Contains("vkAllocateMemory failed: ErrorOutOfDeviceMemory", other.Message);
    }

    [VulkanFact]
    public void DefaultOptions_UseIntegerDotProductOnlyWhereAccelerated()
    {
        // Lavapipe lists VK_KHR_shader_integer_dot_product but reports it unaccelerated: the portable shaders are faster there.
        using var byDefault = VulkanTestDevice.CreateBackend();
        using var forced = VulkanTestDevice.CreateBackend(integerDotProduct: IntegerDotProductUse.WhenSupported);
        Assert.False(byDefault.UsesIntegerDotProduct);
        Assert.True(forced.UsesIntegerDotProduct);
        Assert.Contains("integer dot product", forced.DeviceDescription);
    }

    [VulkanFact]
    public void ReadBandwidth_IsMeasuredByAShaderWithoutValidationProblems()
    {
        using var backend = VulkanTestDevice.CreateBackend();
        IBandwidthProbe probe = backend;
        double bytesPerSecond = probe.MeasureReadBandwidth();
        Assert.True(double.IsFinite(bytesPerSecond) && bytesPerSecond > 1e6, $"implausible bandwidth {bytesPerSecond} B/s");
    }
}
