using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Architectures;

/// <summary>The tensors of one transformer block (GGUF names blk.N.*). Shapes are [rows × cols] with cols the input size.</summary>
public sealed record LayerWeights
{
    public required GgufTensorInfo AttentionNorm { get; init; }     // [hidden] f32
    public required GgufTensorInfo Query { get; init; }             // [heads·headDim × hidden] ternary
    public required GgufTensorInfo Key { get; init; }               // [kvHeads·headDim × hidden] ternary
    public required GgufTensorInfo Value { get; init; }             // [kvHeads·headDim × hidden] ternary
    public GgufTensorInfo? AttentionSubNorm { get; init; }          // [heads·headDim] f32, BitNet only
    public required GgufTensorInfo AttentionOutput { get; init; }   // [hidden × heads·headDim] ternary
    public required GgufTensorInfo FeedForwardNorm { get; init; }   // [hidden] f32
    public required GgufTensorInfo Gate { get; init; }              // [ffn × hidden] ternary
    public required GgufTensorInfo Up { get; init; }                // [ffn × hidden] ternary
    public GgufTensorInfo? FeedForwardSubNorm { get; init; }        // [ffn] f32, BitNet only
    public required GgufTensorInfo Down { get; init; }              // [hidden × ffn] ternary

    public IEnumerable<GgufTensorInfo> TernaryProjections => [Query, Key, Value, AttentionOutput, Gate, Up, Down];
}
