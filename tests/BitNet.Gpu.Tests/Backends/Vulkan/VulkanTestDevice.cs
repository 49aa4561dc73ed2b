using System.Runtime.InteropServices;
using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// The Vulkan device the tests run on: Mesa's lavapipe (a CPU implementation, so results do not depend on the
/// machine's GPU), pinned with VK_ICD_FILENAMES, with the Khronos validation layer on. <see cref="SkipReason"/> says
/// why Vulkan tests cannot run here, or is null.
/// </summary>
internal static partial class VulkanTestDevice
{
    public const string LavapipeIcd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
    const string ValidationLayerManifest = "/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json";

    public static string? SkipReason { get; } = FindSkipReason();

    /// <summary>A backend on lavapipe with validation, GPU-assisted too (every storage-buffer access checked against its
    /// binding) and synchronization validation (every missing barrier); any validation warning or error throws.</summary>
    public static VulkanBackend CreateBackend(long maxBindingBytes = 0, IntegerDotProductUse integerDotProduct = IntegerDotProductUse.WhenAccelerated,
                                              bool subgroupReductions = true, OutputLayerType outputType = OutputLayerType.Stored) =>
        new(new VulkanBackendOptions
        {
            SubgroupReductions = subgroupReductions, Device = 0, Validation = true, GpuAssistedValidation = true, SynchronizationValidation = true, MaxBindingBytes = maxBindingBytes, IntegerDotProduct = integerDotProduct,
            OutputType = outputType,
        });

    /// <summary>A registry whose one backend, "vulkan", is <see cref="CreateBackend"/>'s (with the options' output layer type),
    /// for tests that load whole models.</summary>
    public static BackendRegistry Registry()
    {
        var registry = new BackendRegistry();
        registry.Register(new BackendRegistry.DelegateProvider("vulkan",
            () => [new BackendDevice("vulkan", 0, "lavapipe", "validation on")], options => CreateBackend(outputType: options.OutputType)));
        return registry;
    }

    static string? FindSkipReason()
    {
        if (!OperatingSystem.IsLinux()) return "Vulkan tests run on Linux with Mesa's lavapipe";
        if (!NativeLibrary.TryLoad("libvulkan.so.1", out var loader)) return "no Vulkan loader (libvulkan.so.1; Debian: libvulkan1)";
        NativeLibrary.Free(loader);
        if (!File.Exists(LavapipeIcd)) return $"no lavapipe driver ({LavapipeIcd}; Debian: mesa-vulkan-drivers)";
        if (!File.Exists(ValidationLayerManifest)) return $"no Khronos validation layer ({ValidationLayerManifest}; Debian: vulkan-validationlayers)";
        PinLavapipe();
        return null;
    }

    // .NET's Environment.SetEnvironmentVariable does not change the native environment the Vulkan loader reads.
    static void PinLavapipe()
    {
        if (setenv("VK_ICD_FILENAMES", LavapipeIcd, 1) != 0) throw new InvalidOperationException("setenv(VK_ICD_FILENAMES) failed");
        Environment.SetEnvironmentVariable("VK_ICD_FILENAMES", LavapipeIcd);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}

/// <summary>A fact that needs Vulkan on lavapipe; skipped, with the reason, when the machine lacks it.</summary>
public sealed class VulkanFactAttribute : FactAttribute
{
    public VulkanFactAttribute() => Skip = VulkanTestDevice.SkipReason;
}

/// <summary>A theory that needs Vulkan on lavapipe; skipped, with the reason, when the machine lacks it.</summary>
public sealed class VulkanTheoryAttribute : TheoryAttribute
{
    public VulkanTheoryAttribute() => Skip = VulkanTestDevice.SkipReason;
}
