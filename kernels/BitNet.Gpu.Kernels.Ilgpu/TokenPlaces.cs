using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// Where each token of a step goes: token t is at position <see cref="Positions"/>[t] of sequence (KV cache slot)
/// <see cref="Sequences"/>[t]. The cache holds sequences side by side, contextLength rows each, so token t's keys and
/// values are cache row sequence[t]·contextLength + position[t].
/// </summary>
public struct TokenPlaces(ArrayView<int> sequences, ArrayView<int> positions)
{
    public ArrayView<int> Sequences = sequences;   // tokens
    public ArrayView<int> Positions = positions;   // tokens

    public readonly int Position(int token) => Positions[token];

    /// <summary>The cache row of position 0 of the token's sequence.</summary>
    public readonly long FirstRow(int token, int contextLength) => (long)Sequences[token] * contextLength;

    /// <summary>The cache row the token's keys and values go to.</summary>
    public readonly long Row(int token, int contextLength) => FirstRow(token, contextLength) + Positions[token];
}
