using BitNet.Gpu.Engine.Backends;
using Silk.NET.Vulkan;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>The Vulkan devices on this machine, for `bitnet-gpu devices` and --device N.</summary>
public static unsafe class VulkanDevices
{
    /// <summary>One entry per physical device: name, then type, device-local memory and API version. Empty when
    /// no Vulkan loader or driver is installed.</summary>
    public static IReadOnlyList<BackendDevice> List()
    {
        Vk vk;
        Instance instance;
        try
        {
            vk = Vk.GetApi();
            instance = VulkanContext.CreateInstance(vk, validation: false);
        }
        catch (Exception e) when (e is VulkanException or DllNotFoundException or FileNotFoundException or TypeInitializationException
                                      or InvalidOperationException or PlatformNotSupportedException)
        {
            return [];
        }
        try
        {
            var devices = VulkanContext.EnumeratePhysicalDevices(vk, instance);
            var list = new List<BackendDevice>();
            for (int i = 0; i < devices.Length; i++)
            {
                var properties = vk.GetPhysicalDeviceProperties(devices[i]);
                var memory = vk.GetPhysicalDeviceMemoryProperties(devices[i]);
                list.Add(new BackendDevice("vulkan", i, VulkanContext.NameOf(properties), Describe(properties, memory))
                {
                    IsGpu = properties.DeviceType is PhysicalDeviceType.DiscreteGpu or PhysicalDeviceType.IntegratedGpu or PhysicalDeviceType.VirtualGpu,
                });
            }
            return list;
        }
        finally
        {
            vk.DestroyInstance(instance, null);
        }
    }

    static string Describe(PhysicalDeviceProperties properties, PhysicalDeviceMemoryProperties memory)
    {
        long deviceLocal = 0;
        for (int h = 0; h < memory.MemoryHeapCount; h++)
            if ((memory.MemoryHeaps[h].Flags & MemoryHeapFlags.DeviceLocalBit) != 0) deviceLocal += (long)memory.MemoryHeaps[h].Size;
        uint v = properties.ApiVersion;
        string type = properties.DeviceType switch
        {
            PhysicalDeviceType.DiscreteGpu => "discrete GPU",
            PhysicalDeviceType.IntegratedGpu => "integrated GPU",
            PhysicalDeviceType.VirtualGpu => "virtual GPU",
            PhysicalDeviceType.Cpu => "CPU",
            _ => "other",
        };
        return $"{type}, {deviceLocal / (1024.0 * 1024 * 1024):0.0} GiB, Vulkan {v >> 22}.{(v >> 12) & 0x3FF}.{v & 0xFFF}";
    }
}
