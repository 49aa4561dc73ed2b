namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Tokens are ranked by logit, highest first, ties broken by the lower token id. Every truncation (top-k, top-p,
/// min-p) keeps a prefix of that ranking, so the kept set is fully described by its last member: a token is kept
/// when its logit is above <see cref="Logit"/>, or equal to it with an id no greater than <see cref="LastTokenId"/>.
/// </summary>
internal readonly record struct RankCut(float Logit, int LastTokenId)
{
    /// <summary>Keeps every token (banned ones too; they get zero weight in the draw anyway).</summary>
    public static RankCut All => new(float.NegativeInfinity, int.MaxValue);

    /// <summary>Keeps every token whose logit is at least <paramref name="logit"/>.</summary>
    public static RankCut AtLeast(float logit) => new(logit, int.MaxValue);

    public static RankCut FromKey(ulong key, ReadOnlySpan<float> logits)
    {
        int token = RankKey.Token(key);
        return new RankCut(logits[token], token);
    }

    public bool Keeps(float logit, int token) => logit > Logit || (logit == Logit && token <= LastTokenId);

    /// <summary>The cut that keeps fewer tokens (the intersection of two prefixes is the shorter one).</summary>
    public static RankCut Stricter(RankCut a, RankCut b)
    {
        if (a.Logit != b.Logit) return a.Logit > b.Logit ? a : b;
        return a.LastTokenId <= b.LastTokenId ? a : b;
    }
}

/// <summary>
/// Packs (logit, token) into one ulong whose ascending order is the ranking: logit descending, then id ascending.
/// Sorting candidates is then a plain sort of integers.
/// </summary>
internal static class RankKey
{
    public static ulong Of(float logit, int token)
    {
        // + 0f turns -0 into +0 so the key agrees with float comparison (which treats them as equal).
        uint bits = BitConverter.SingleToUInt32Bits(logit + 0f);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ascending << 32) | (uint)token;
    }

    public static int Token(ulong key) => (int)(uint)key;
}
