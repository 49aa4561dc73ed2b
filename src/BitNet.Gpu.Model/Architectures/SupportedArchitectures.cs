namespace BitNet.Gpu.Model.Architectures;

/// <summary>The architectures bitnet-gpu runs. Anything else is refused by name.</summary>
public static class SupportedArchitectures
{
    /// <summary>Microsoft's BitNet b1.58 2B4T: ReLU² FFN, sub-norms, NEOX rope, tied embedding.</summary>
    public static readonly ArchitectureSpec BitNetB158 = new(
        "bitnet-b1.58", ["bitnet-25"], RopeStyle.Neox, GateActivation.ReluSquared, HasSubNorms: true,
        "BitNet b1.58 (2B4T)");

    /// <summary>1bitLLM's bitnet_b1_58-large / -3B as llama.cpp converts them: SiLU FFN with sub-norms, NEOX rope.</summary>
    public static readonly ArchitectureSpec BitNet = new(
        "bitnet", [], RopeStyle.Neox, GateActivation.Silu, HasSubNorms: true,
        "BitNet b1.58 (1bitLLM)");

    /// <summary>Llama with ternary weights (Falcon3-*-1.58bit, Llama3-8B-1.58-100B-tokens): llama's graph, interleaved rope.</summary>
    public static readonly ArchitectureSpec Llama = new(
        "llama", [], RopeStyle.Interleaved, GateActivation.Silu, HasSubNorms: false,
        "Llama with ternary weights");

    public static IReadOnlyList<ArchitectureSpec> All { get; } = [BitNetB158, BitNet, Llama];

    public static ArchitectureSpec? Find(string architecture) => All.FirstOrDefault(a => a.Matches(architecture));

    public static string Names => string.Join(", ", All.SelectMany(a => a.Aliases.Prepend(a.Name)));
}
