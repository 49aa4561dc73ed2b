using Silk.NET.Core;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The Vulkan objects a backend lives in: instance (with the validation layer and its messenger when asked),
/// one physical device, a logical device with one compute queue, and the limits the backend obeys.
/// </summary>
internal sealed unsafe class VulkanContext : IDisposable
{
    public Vk Vk { get; }
    public Instance Instance { get; }
    public PhysicalDevice PhysicalDevice { get; }
    public Device Device { get; }
    public Queue Queue { get; }
    public uint QueueFamily { get; }
    public PhysicalDeviceProperties Properties { get; }
    public PhysicalDeviceMemoryProperties MemoryProperties { get; }
    /// <summary>The most bytes one storage-buffer descriptor may cover.</summary>
    public long MaxBindingBytes { get; }
    /// <summary>Descriptor offsets must be multiples of this.</summary>
    public long OffsetAlignment { get; }
    public string DeviceName { get; }
    /// <summary>VK_KHR_shader_integer_dot_product is enabled: the ternary products use the *_dot shaders.</summary>
    public bool IntegerDotProduct { get; }
    /// <summary>Reductions use subgroup arithmetic: the device has it in compute shaders and the options allow it.</summary>
    public bool SubgroupArithmetic { get; }
    readonly ValidationMessages? _validation;
    // Buffers not yet disposed: destroyed with the device, so a weight disposed after its backend is a no-op, not a crash.
    readonly HashSet<GpuBuffer> _liveBuffers = [];

    public VulkanContext(VulkanBackendOptions options)
    {
        Vk = Vk.GetApi();
        Instance = CreateInstance(Vk, options.Validation, options.Validation && options.GpuAssistedValidation,
                                  options.Validation && options.SynchronizationValidation);
        try
        {
            if (options.Validation) _validation = new ValidationMessages(Vk, Instance);
            var devices = EnumeratePhysicalDevices(Vk, Instance);
            if (options.Device < 0 || options.Device >= devices.Length)
                throw new ArgumentException($"--device {options.Device} is out of range: Vulkan found {devices.Length} device(s)", nameof(options));
            PhysicalDevice = devices[options.Device];
            Properties = Vk.GetPhysicalDeviceProperties(PhysicalDevice);
            MemoryProperties = Vk.GetPhysicalDeviceMemoryProperties(PhysicalDevice);
            DeviceName = NameOf(Properties);
            long deviceLimit = Properties.Limits.MaxStorageBufferRange;
            MaxBindingBytes = options.MaxBindingBytes > 0 ? Math.Min(options.MaxBindingBytes, deviceLimit) : deviceLimit;
            OffsetAlignment = Math.Max(4, (long)Properties.Limits.MinStorageBufferOffsetAlignment);
            QueueFamily = FindComputeQueueFamily(Vk, PhysicalDevice);
            IntegerDotProduct = options.IntegerDotProduct switch
            {
                IntegerDotProductUse.Never => false,
                IntegerDotProductUse.WhenSupported => SupportsIntegerDotProduct(Vk, PhysicalDevice),
                _ => SupportsIntegerDotProduct(Vk, PhysicalDevice) && IntegerDotProductIsAccelerated(Vk, PhysicalDevice),
            };
            SubgroupArithmetic = options.SubgroupReductions && SupportsSubgroupArithmetic(Vk, PhysicalDevice);
            Device = CreateDevice(Vk, PhysicalDevice, QueueFamily, IntegerDotProduct);
            Queue = Vk.GetDeviceQueue(Device, QueueFamily, 0);
            ThrowIfValidationFailed();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Throws if the validation layer has reported anything since the last check.</summary>
    public void ThrowIfValidationFailed() => _validation?.ThrowIfAny();

    /// <param name="gpuAssisted">Also GPU-assisted validation: shaders instrumented to check buffer accesses (needs <paramref name="validation"/>).</param>
    /// <param name="synchronization">Also synchronization validation: missing barriers between dependent commands (needs <paramref name="validation"/>).</param>
    public static Instance CreateInstance(Vk vk, bool validation, bool gpuAssisted = false, bool synchronization = false)
    {
        using var appName = new NativeString("bitnet-gpu");
        using var layer = new NativeString(ValidationMessages.LayerName);
        using var extension = new NativeString(ValidationMessages.ExtensionName);
        using var featuresExtension = new NativeString(ValidationMessages.FeaturesExtensionName);
        var app = new ApplicationInfo
        {
            SType = StructureType.ApplicationInfo, PApplicationName = appName.Pointer, PEngineName = appName.Pointer,
            ApiVersion = Vk.Version11,
        };
        var layers = stackalloc byte*[] { layer.Pointer };
        var extensions = stackalloc byte*[] { extension.Pointer, featuresExtension.Pointer };
        // GPU-assisted validation instruments shaders in a descriptor set of its own, the last the device allows.
        var enabled = stackalloc ValidationFeatureEnableEXT[3];
        uint enabledCount = 0;
        if (gpuAssisted)
        {
            enabled[enabledCount++] = ValidationFeatureEnableEXT.GpuAssistedExt;
            enabled[enabledCount++] = ValidationFeatureEnableEXT.GpuAssistedReserveBindingSlotExt;
        }
        if (synchronization) enabled[enabledCount++] = ValidationFeatureEnableEXT.SynchronizationValidationExt;
        var features = new ValidationFeaturesEXT { SType = StructureType.ValidationFeaturesExt, EnabledValidationFeatureCount = enabledCount, PEnabledValidationFeatures = enabled };
        bool withFeatures = validation && enabledCount > 0;
        var info = new InstanceCreateInfo
        {
            SType = StructureType.InstanceCreateInfo, PApplicationInfo = &app, PNext = withFeatures ? &features : null,
            EnabledLayerCount = validation ? 1u : 0u, PpEnabledLayerNames = validation ? layers : null,
            EnabledExtensionCount = validation ? (withFeatures ? 2u : 1u) : 0u, PpEnabledExtensionNames = validation ? extensions : null,
        };
        var result = vk.CreateInstance(in info, null, out var instance);
        if (result == Result.ErrorLayerNotPresent)
            throw new VulkanException($"validation was asked for but {ValidationMessages.LayerName} is not installed (Debian: vulkan-validationlayers)");
        VulkanException.Check(result, "vkCreateInstance");
        return instance;
    }

    public static PhysicalDevice[] EnumeratePhysicalDevices(Vk vk, Instance instance)
    {
        uint count = 0;
        VulkanException.Check(vk.EnumeratePhysicalDevices(instance, ref count, null), "vkEnumeratePhysicalDevices");
        var devices = new PhysicalDevice[count];
        fixed (PhysicalDevice* pointer = devices)
            VulkanException.Check(vk.EnumeratePhysicalDevices(instance, ref count, pointer), "vkEnumeratePhysicalDevices");
        return devices;
    }

    public static string NameOf(PhysicalDeviceProperties properties) => SilkMarshal.PtrToString((nint)properties.DeviceName) ?? "?";

    static uint FindComputeQueueFamily(Vk vk, PhysicalDevice device)
    {
        uint count = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(device, ref count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* pointer = families) vk.GetPhysicalDeviceQueueFamilyProperties(device, ref count, pointer);
        for (uint i = 0; i < count; i++)
            if ((families[i].QueueFlags & QueueFlags.ComputeBit) != 0) return i;
        throw new VulkanException("the Vulkan device has no compute queue");
    }

    const string IntegerDotExtension = "VK_KHR_shader_integer_dot_product";

    static bool SupportsIntegerDotProduct(Vk vk, PhysicalDevice device)
    {
        uint count = 0;
        VulkanException.Check(vk.EnumerateDeviceExtensionProperties(device, (byte*)null, ref count, null), "vkEnumerateDeviceExtensionProperties");
        var extensions = new ExtensionProperties[count];
        fixed (ExtensionProperties* pointer = extensions)
            VulkanException.Check(vk.EnumerateDeviceExtensionProperties(device, (byte*)null, ref count, pointer), "vkEnumerateDeviceExtensionProperties");
        bool listed = false;
        foreach (var extension in extensions)
            listed |= SilkMarshal.PtrToString((nint)extension.ExtensionName) == IntegerDotExtension;
        if (!listed) return false;
        var dot = new PhysicalDeviceShaderIntegerDotProductFeatures { SType = StructureType.PhysicalDeviceShaderIntegerDotProductFeatures };
        var features = new PhysicalDeviceFeatures2 { SType = StructureType.PhysicalDeviceFeatures2, PNext = &dot };
        vk.GetPhysicalDeviceFeatures2(device, &features);
        return dot.ShaderIntegerDotProduct;
    }

    static bool SupportsSubgroupArithmetic(Vk vk, PhysicalDevice device)
    {
        var subgroup = new PhysicalDeviceSubgroupProperties { SType = StructureType.PhysicalDeviceSubgroupProperties };
        var properties = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &subgroup };
        vk.GetPhysicalDeviceProperties2(device, &properties);
        return (subgroup.SupportedStages & ShaderStageFlags.ComputeBit) != 0
            && (subgroup.SupportedOperations & SubgroupFeatureFlags.ArithmeticBit) != 0
            && (subgroup.SupportedOperations & SubgroupFeatureFlags.BasicBit) != 0;
    }

    static bool IntegerDotProductIsAccelerated(Vk vk, PhysicalDevice device)
    {
        var dot = new PhysicalDeviceShaderIntegerDotProductProperties { SType = StructureType.PhysicalDeviceShaderIntegerDotProductProperties };
        var properties = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &dot };
        vk.GetPhysicalDeviceProperties2(device, &properties);
        return dot.IntegerDotProduct4x8BitPackedSignedAccelerated;
    }

    static Device CreateDevice(Vk vk, PhysicalDevice physicalDevice, uint queueFamily, bool integerDotProduct)
    {
        float priority = 1f;
        var queue = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo, QueueFamilyIndex = queueFamily, QueueCount = 1, PQueuePriorities = &priority,
        };
        // The portable shaders use only core Vulkan 1.1 compute (32-bit storage, int8 and f16 packed in uints); the *_dot
        // variants need the integer dot product extension and its feature.
        using var extensionName = new NativeString(IntegerDotExtension);
        var extensions = stackalloc byte*[] { extensionName.Pointer };
        var dot = new PhysicalDeviceShaderIntegerDotProductFeatures
        {
            SType = StructureType.PhysicalDeviceShaderIntegerDotProductFeatures, ShaderIntegerDotProduct = true,
        };
        var info = new DeviceCreateInfo
        {
            SType = StructureType.DeviceCreateInfo, QueueCreateInfoCount = 1, PQueueCreateInfos = &queue,
            EnabledExtensionCount = integerDotProduct ? 1u : 0u, PpEnabledExtensionNames = integerDotProduct ? extensions : null,
            PNext = integerDotProduct ? &dot : null,
        };
        VulkanException.Check(vk.CreateDevice(physicalDevice, in info, null, out var device), "vkCreateDevice");
        return device;
    }

    /// <summary>The first memory type allowed by <paramref name="typeBits"/> with all of <paramref name="wanted"/>.</summary>
    public uint FindMemoryType(uint typeBits, MemoryPropertyFlags wanted) =>
        TryFindMemoryType(typeBits, wanted, out uint type) ? type : throw new VulkanException($"no Vulkan memory type with {wanted}");

    /// <summary>The first memory type allowed by <paramref name="typeBits"/> with all of <paramref name="wanted"/>, if any.</summary>
    public bool TryFindMemoryType(uint typeBits, MemoryPropertyFlags wanted, out uint type)
    {
        for (int i = 0; i < MemoryProperties.MemoryTypeCount; i++)
            if ((typeBits & (1u << i)) != 0 && (MemoryProperties.MemoryTypes[i].PropertyFlags & wanted) == wanted)
            {
                type = (uint)i;
                return true;
            }
        type = 0;
        return false;
    }

    /// <summary>Counts buffer destructions: recorded command buffers that might bind a destroyed buffer are dropped when it changes.</summary>
    public long BufferGeneration { get; private set; }

    public void Track(GpuBuffer buffer) { lock (_liveBuffers) _liveBuffers.Add(buffer); }

    public void Untrack(GpuBuffer buffer)
    {
        lock (_liveBuffers) _liveBuffers.Remove(buffer);
        BufferGeneration++;
    }

    public void Dispose()
    {
        GpuBuffer[] leftovers;
        lock (_liveBuffers) leftovers = [.. _liveBuffers];
        foreach (var buffer in leftovers) buffer.Dispose();
        if (Device.Handle != 0) Vk.DestroyDevice(Device, null);
        _validation?.Dispose();
        if (Instance.Handle != 0) Vk.DestroyInstance(Instance, null);
        _validation?.ThrowIfAny();
    }
}
