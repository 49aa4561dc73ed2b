namespace BitNet.Gpu.Kernels.Vulkan;

/// <summary>The compiled compute shaders (SPIR-V), one per operation, embedded in this assembly.</summary>
public static class VulkanShaders
{
    /// <summary>Every shader, by the name of its source file without extension (e.g. "ternary_matvec"), and the
    /// variants compiled with INTEGER_DOT defined (suffix "_dot"), for devices with VK_KHR_shader_integer_dot_product, and
    /// with SUBGROUPS defined (suffix "_subgroup"), for devices with subgroup arithmetic in compute shaders, and
    /// dense_matmul with ROW_LIST defined ("dense_matmul_rows"), the top-k screen's exact rows.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "embed", "rms_norm", "quantize", "ternary_matvec", "ternary_matmul", "dense_matmul",
        "rope", "kv_store", "attention", "attention_combine", "gate", "add", "copy_row", "read_bandwidth",
        "quantize_blocks", "q8_matmul", "input_slack", "q8_screen", "dense_matmul_rows",
        "ternary_matvec_dot", "ternary_matmul_dot", "q8_matmul_dot", "q8_screen_dot", "rms_norm_subgroup", "quantize_subgroup", "top_select",
    ];

    /// <summary>The SPIR-V words of one shader.</summary>
    public static byte[] Load(string name)
    {
        using var stream = typeof(VulkanShaders).Assembly.GetManifestResourceStream(name + ".spv")
            ?? throw new ArgumentException($"no shader named '{name}' (known: {string.Join(", ", Names)})", nameof(name));
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
