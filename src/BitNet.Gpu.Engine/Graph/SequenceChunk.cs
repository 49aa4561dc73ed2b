namespace BitNet.Gpu.Engine.Graph;

/// <summary>
/// One sequence's part of a batched step (<see cref="TransformerGraph.ForwardBatch"/>): tokens that continue
/// sequence <see cref="Sequence"/> from its current length, and whether the last one's logits are needed (the end of a
/// prompt, or a generated token; not a prompt chunk with more to come).
/// </summary>
public readonly record struct SequenceChunk(int Sequence, ReadOnlyMemory<int> Tokens, bool WantsLogits)
{
    /// <summary>For a sampler that looks only at the TopK largest logits (as <see cref="TransformerGraph.ForwardTop"/>): the
    /// chunk's logits need be exact only for those and for <see cref="AlwaysExact"/>; 0 (the default) = every logit.</summary>
    public int TopK { get; init; }

    /// <summary>Tokens whose logits are exact whatever <see cref="TopK"/> (the sampler adjusts them: logit bias, penalties).</summary>
    public ReadOnlyMemory<int> AlwaysExact { get; init; }

    /// <summary>
    /// Every token's logits, not just the last one's (prompt log-probabilities): the chunk then takes one row per token,
    /// in order, all exact (<see cref="TopK"/> does not apply); <see cref="WantsLogits"/> is then ignored.
    /// </summary>
    public bool EveryToken { get; init; }

    /// <summary>The logit rows the chunk takes in its step.</summary>
    public int LogitRows => EveryToken ? Tokens.Length : WantsLogits ? 1 : 0;

    /// <summary>
    /// Every token's final hidden state (the output norm's result, the input of the output projection), one row each, in
    /// order: what an embedding pools. Independent of the logits: a chunk may want hidden states and no logit at all.
    /// </summary>
    public bool HiddenStates { get; init; }

    /// <summary>The hidden-state rows the chunk takes in its step.</summary>
    public int HiddenRows => HiddenStates ? Tokens.Length : 0;
}
