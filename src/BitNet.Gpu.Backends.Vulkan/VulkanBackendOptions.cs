namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>How to create a Vulkan backend.</summary>
public sealed record VulkanBackendOptions
{
    /// <summary>Index into <see cref="VulkanDevices.List"/> (--device N).</summary>
    public int Device { get; init; }
    /// <summary>Enables VK_LAYER_KHRONOS_validation; its warnings and errors throw <see cref="VulkanValidationException"/>.</summary>
    public bool Validation { get; init; }
    /// <summary>Uses VK_KHR_shader_integer_dot_product for the ternary products when the device has it (false: the
    /// portable shaders that unpack each int8 with bit operations).</summary>
    public bool IntegerDotProduct { get; init; } = true;
    /// <summary>Binds at most this many bytes per descriptor (0 = the device's maxStorageBufferRange). Tests lower it
    /// to exercise the split binding of large tensors without allocating gigabytes.</summary>
    public long MaxBindingBytes { get; init; }
}
