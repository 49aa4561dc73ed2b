using BitNet.Gpu.Model.Architectures;

namespace BitNet.Gpu.Engine.Backends;

/// <summary>A layer's self-attention: <paramref name="Heads"/> query heads over <paramref name="KeyValueHeads"/> key/value
/// heads of <paramref name="HeadDim"/> values, RoPE (<paramref name="RopeStyle"/>, base <paramref name="RopeFreqBase"/>) on
/// the first <paramref name="RopeDims"/> of each head.</summary>
public readonly record struct AttentionShape(int Heads, int KeyValueHeads, int HeadDim, int RopeDims, float RopeFreqBase, RopeStyle RopeStyle);
