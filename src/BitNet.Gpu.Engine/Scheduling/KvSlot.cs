namespace BitNet.Gpu.Engine.Scheduling;

/// <summary>
/// One sequence's place in the KV cache, and the tokens it holds. A finished request leaves them there, so the next
/// request that starts with the same tokens (the next turn of a chat) reuses them instead of running them again.
/// </summary>
internal sealed class KvSlot(int index)
{
    public int Index { get; } = index;
    /// <summary>The tokens whose keys and values are in the slot, in order.</summary>
    public List<int> Cached { get; } = [];
    /// <summary>The request running in the slot, or null when it is free.</summary>
    public ScheduledRequest? Request { get; set; }
    /// <summary>When the slot last ended a request (free slots are reused oldest first when no prefix matches).</summary>
    public long LastUsed { get; set; }

    /// <summary>Tokens at the start of <paramref name="prompt"/> already cached, leaving at least one to run.</summary>
    public int CommonPrefix(IReadOnlyList<int> prompt)
    {
        int common = 0;
        while (common < Cached.Count && common < prompt.Count - 1 && Cached[common] == prompt[common]) common++;
        return common;
    }
}
