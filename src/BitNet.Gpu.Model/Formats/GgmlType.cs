namespace BitNet.Gpu.Model.Formats;

/// <summary>Tensor element types as numbered in GGUF files (ggml's type ids).</summary>
/// <remarks>
/// I2_S is the bitnet.cpp fork's number 36; upstream llama.cpp uses 36 for a removed type,
/// so an I2_S file is recognized by its architecture and type together.
/// </remarks>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q8_0 = 8,
    Q4_K = 12,
    Q6_K = 14,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    I2_S = 36,
}
