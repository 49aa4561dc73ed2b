namespace BitNet.Gpu.Engine.Generation;

/// <summary>
/// The model's output scores for the next token came out NaN or infinite, so no token can be chosen. The weights were
/// checked at load, so the computation itself overflowed or a backend miscomputed.
/// </summary>
public sealed class NonFiniteLogitsException : Exception
{
    /// <summary>The position (0-based, in the context) of the token whose next-token scores were not finite.</summary>
    public int Position { get; }

    /// <summary>The first vocabulary entry whose score was not finite.</summary>
    public int TokenId { get; }

    public NonFiniteLogitsException(int position, int tokenId, float score)
        : base($"the model's scores for the token after position {position} are not finite " +
               $"({(float.IsNaN(score) ? "NaN" : score > 0 ? "+infinity" : "-infinity")} for vocabulary entry {tokenId} and possibly others), so no next token " +
               "can be chosen: the computation overflowed or the backend miscomputed; try another --backend, or check the model file")
    {
        Position = position;
        TokenId = tokenId;
    }
}
