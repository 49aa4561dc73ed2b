namespace BitNet.Gpu;

/// <summary>
/// A piece of a completion's text with the tokens generated since the previous piece, when the completion asked for
/// log-probabilities (<see cref="CompletionOptions.Logprobs"/>; otherwise <see cref="Tokens"/> is empty). Every
/// generated token but an end-of-generation one is in exactly one piece; a token whose text is still held back (half
/// a UTF-8 character, the start of a possible stop string) comes with a later piece, and the last piece may have no text.
/// With <see cref="CompletionOptions.PromptLogprobs"/> the first piece has no text and <see cref="PromptTokens"/>: every
/// prompt token with its log-probability given the tokens before it (NaN for the first); null in every other piece.
/// </summary>
public sealed record CompletionPiece(string Text, IReadOnlyList<CompletionToken> Tokens, IReadOnlyList<CompletionToken>? PromptTokens = null);
