using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>
/// A piece of a request's text with the tokens that produced it. <see cref="Logprobs"/> is empty unless the request
/// asked for log-probabilities (<see cref="Generation.GenerationRequest.Logprobs"/>); then it holds one entry per token
/// generated since the previous piece, every token but an end-of-generation one, so a piece may carry tokens whose text
/// is still held back (half a UTF-8 character, the start of a possible stop string) and the last piece may have no text.
/// <see cref="PromptLogprobs"/> is null but in the first piece of a request that asked for them
/// (<see cref="Generation.GenerationRequest.PromptLogprobs"/>): one entry per prompt token, in order, each with its
/// log-probability given the tokens before it (NaN for the first, which has none).
/// </summary>
public sealed record GenerationPiece(string Text, IReadOnlyList<TokenLogprob> Logprobs, IReadOnlyList<TokenLogprob>? PromptLogprobs = null);
