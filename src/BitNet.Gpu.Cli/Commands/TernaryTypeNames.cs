using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>The --type names of the ternary formats.</summary>
public static class TernaryTypeNames
{
    public static GgmlType Parse(string name) => name.ToLowerInvariant() switch
    {
        "i2_s" => GgmlType.I2_S,
        "tq2_0" => GgmlType.TQ2_0,
        "tq1_0" => GgmlType.TQ1_0,
        _ => throw new UsageException($"--type '{name}' is not a ternary type (choose i2_s, tq2_0 or tq1_0)"),
    };

    public static GgmlType ParseDense(string name) => name.ToLowerInvariant() switch
    {
        "f16" => GgmlType.F16,
        "f32" => GgmlType.F32,
        "bf16" => GgmlType.BF16,
        "q8_0" => GgmlType.Q8_0,
        "q4_k" => GgmlType.Q4_K,
        "q6_k" => GgmlType.Q6_K,
        _ => throw new UsageException($"--embedding-type '{name}' is not supported (choose f16, f32, bf16, q8_0, q4_k or q6_k)"),
    };
}
