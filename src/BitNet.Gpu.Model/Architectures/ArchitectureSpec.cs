namespace BitNet.Gpu.Model.Architectures;

/// <summary>How RoPE pairs the values of a head.</summary>
public enum RopeStyle
{
    /// <summary>Adjacent pairs (2i, 2i+1): llama.cpp's "norm" rope, used with Hugging Face llama weights permuted by the converter.</summary>
    Interleaved,
    /// <summary>The two halves (i, i + d/2): llama.cpp's "neox" rope, Hugging Face's rotate_half.</summary>
    Neox,
}

/// <summary>The gate activation of the feed-forward block: out = act(gate(h)) * up(h).</summary>
public enum GateActivation
{
    /// <summary>relu(x)²: BitNet b1.58 2B4T.</summary>
    ReluSquared,
    /// <summary>x · sigmoid(x): llama, 1bitLLM bitnet.</summary>
    Silu,
}

/// <summary>
/// What distinguishes one supported architecture: the GGUF names it goes by, its RoPE style and activation,
/// and whether its layers carry the BitNet sub-norms (attn_sub_norm before o_proj, ffn_sub_norm before down_proj).
/// </summary>
public sealed record ArchitectureSpec(
    string Name,
    string[] Aliases,
    RopeStyle Rope,
    GateActivation Activation,
    bool HasSubNorms,
    string Description)
{
    public bool Matches(string architecture) => architecture == Name || Aliases.Contains(architecture);
}
