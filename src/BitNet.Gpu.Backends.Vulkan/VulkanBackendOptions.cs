using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>How to create a Vulkan backend.</summary>
public sealed record VulkanBackendOptions
{
    /// <summary>Index into <see cref="VulkanDevices.List"/> (--device N).</summary>
    public int Device { get; init; }
    /// <summary>Enables VK_LAYER_KHRONOS_validation; its warnings and errors throw <see cref="VulkanValidationException"/>.</summary>
    public bool Validation { get; init; }
    /// <summary>With <see cref="Validation"/>: the layer's GPU-assisted validation (VK_EXT_validation_features) too, which
    /// instruments every shader to check each storage-buffer access against its binding's range. Slow; for tests.</summary>
    public bool GpuAssistedValidation { get; init; }
    /// <summary>With <see cref="Validation"/>: the layer's synchronization validation too, which reports a command that
    /// touches bytes an earlier one wrote (or read) without a barrier between them. For tests.</summary>
    public bool SynchronizationValidation { get; init; }
    /// <summary>When the ternary and int8 products use VK_KHR_shader_integer_dot_product instead of the portable shaders that
    /// unpack each int8 with bit operations. Lavapipe has the extension but emulates it, slower than the portable path.</summary>
    public IntegerDotProductUse IntegerDotProduct { get; init; } = IntegerDotProductUse.WhenAccelerated;
    /// <summary>Whether workgroup reductions (norms, quantization) use subgroup arithmetic where the device reports it for
    /// compute shaders (VkPhysicalDeviceSubgroupProperties), or always the shared-memory tree (tests force this to cover
    /// the path of devices without it).</summary>
    public bool SubgroupReductions { get; init; } = true;
    /// <summary>Binds at most this many bytes per descriptor (0 = the device's maxStorageBufferRange). Tests lower it
    /// to exercise the split binding of large tensors without allocating gigabytes.</summary>
    public long MaxBindingBytes { get; init; }
    /// <summary>How an F16 output layer is kept: as stored (exact), as int8 blocks (<see cref="OutputLayerType.Int8"/>), or
    /// as stored with an int8 screen for top-k products (<see cref="OutputLayerType.Screened"/>).</summary>
    public OutputLayerType OutputType { get; init; }
}

/// <summary>When to use the integer dot product extension.</summary>
public enum IntegerDotProductUse
{
    /// <summary>Only where the device reports packed 4×int8 signed dot products as accelerated.</summary>
    WhenAccelerated,
    /// <summary>Wherever the extension and its feature exist (tests use this to run the variant on lavapipe).</summary>
    WhenSupported,
    /// <summary>Never: always the portable shaders.</summary>
    Never,
}
