namespace BitNet.Gpu.Server.Responses;

/// <summary>
/// The responses a server keeps for previous_response_id and GET/DELETE /v1/responses/{id}: each with the conversation
/// that led to it and its own output, in memory, the oldest dropped first once more than <see cref="Capacity"/>
/// responses or <see cref="MaxBytes"/> bytes of them are kept. Nothing is written to disk; a restart
/// forgets them all. Safe to use from many threads.
/// </summary>
internal sealed class ResponseStore(int capacity, long maxBytes = ResponseStore.DefaultMaxBytes)
{
    /// <summary>The most kept in all, 64 MiB: a response's size counts its conversation's text and its JSON.</summary>
    public const long DefaultMaxBytes = 64L << 20;

    /// <summary>A kept response, the conversation up to and including its output (without instructions, which a later
    /// response does not inherit), the function names of the calls in it by call id, its request's input items as
    /// GET /v1/responses/{id}/input_items lists them, and the bytes all that holds.</summary>
    public sealed record Entry(ResponseObject Response, IReadOnlyList<(string Role, string Content)> Conversation,
                               IReadOnlyDictionary<string, string> CallNames, IReadOnlyList<System.Text.Json.JsonElement> InputItems, long Size);

    readonly Dictionary<string, (Entry Entry, LinkedListNode<string> Place)> _entries = [];
    readonly LinkedList<string> _order = new(); // ids, oldest first
    long _bytes;

    /// <summary>The most responses kept; 0 keeps none.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>The most bytes kept (see <see cref="Entry.Size"/>).</summary>
    public long MaxBytes { get; } = maxBytes;

    /// <summary>Keeps <paramref name="entry"/>, dropping the oldest entries past the limits (an entry larger than all of
    /// <see cref="MaxBytes"/> is not kept).</summary>
    public void Add(Entry entry)
    {
        if (Capacity == 0 || entry.Size > MaxBytes) return;
        lock (_entries)
        {
            if (_entries.ContainsKey(entry.Response.Id)) return;
            _entries.Add(entry.Response.Id, (entry, _order.AddLast(entry.Response.Id)));
            _bytes += entry.Size;
            while (_entries.Count > Capacity || _bytes > MaxBytes)
                RemoveLocked(_order.First!.Value);
        }
    }

    public Entry? Get(string id)
    {
        lock (_entries) return _entries.TryGetValue(id, out var kept) ? kept.Entry : null;
    }

    /// <summary>Forgets a response; false when it was not kept.</summary>
    public bool Remove(string id)
    {
        lock (_entries) return RemoveLocked(id);
    }

    bool RemoveLocked(string id)
    {
        if (!_entries.Remove(id, out var kept)) return false;
        _order.Remove(kept.Place);
        _bytes -= kept.Entry.Size;
        return true;
    }
}
