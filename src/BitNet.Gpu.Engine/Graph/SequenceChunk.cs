namespace BitNet.Gpu.Engine.Graph;

/// <summary>
/// One sequence's part of a batched step (<see cref="TransformerGraph.ForwardBatch"/>): tokens that continue
/// sequence <see cref="Sequence"/> from its current length, and whether the last one's logits are needed (the end of a
/// prompt, or a generated token; not a prompt chunk with more to come).
/// </summary>
public readonly record struct SequenceChunk(int Sequence, ReadOnlyMemory<int> Tokens, bool WantsLogits);
