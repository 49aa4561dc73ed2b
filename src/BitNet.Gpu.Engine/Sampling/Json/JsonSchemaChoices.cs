namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// A JSON text read against a schema whose anyOf branches may overlap (a discriminated union of objects, say): every
/// choice of branches that the text read so far still satisfies, each a <see cref="JsonSchemaPrefix"/>. Where the value
/// expected next has overlapping branches (<see cref="JsonSchemaNode.Branches"/>) a choice splits into one per branch; a
/// byte keeps the choices that take it; choices that have come to the same place are kept once
/// (<see cref="JsonSchemaPrefix.SameFuture"/>), so a union item of an array costs nothing once it is closed. Most of the
/// time one choice is left, held without an array. At most <see cref="MaxFollowed"/> are followed: past that the later
/// ones are dropped, which narrows what may be written but never lets through a text that no choice takes.
/// A copy is a snapshot, as for <see cref="JsonSchemaPrefix"/>: the array of choices is never written once made.
/// </summary>
internal struct JsonSchemaChoices : IJsonText
{
    /// <summary>Choices followed at once.</summary>
    public const int MaxFollowed = 32;

    [ThreadStatic] static JsonSchemaPrefix[]? s_kept, s_front, s_back;

    JsonSchemaPrefix _one;      // the only choice, where _many is null
    JsonSchemaPrefix[]? _many;  // two or more

    public JsonSchemaChoices(JsonSchemaNode root) => _one = new JsonSchemaPrefix(root);

    /// <summary>Choices followed now (1 outside overlapping branches).</summary>
    public readonly int Count => _many?.Length ?? 1;

    // Every choice has read the same bytes, so their syntax, and whether the text is complete, is the same.
    public readonly bool IsComplete => _many is null ? _one.IsComplete : _many[0].IsComplete;

    /// <summary>Plain text is taken where some choice takes it: up to the largest room, where every choice is inside a string that takes any text.</summary>
    public readonly int PlainTextRoom
    {
        get
        {
            if (_many is null) return _one.PlainTextRoom;
            int room = -1;
            foreach (var choice in _many)
            {
                int own = choice.PlainTextRoom;
                if (own < 0) return -1;
                room = Math.Max(room, own);
            }
            return room;
        }
    }

    /// <summary>One choice's pattern; with several, tokens are read byte by byte instead.</summary>
    public readonly (Patterns.PatternAutomaton Automaton, int State)? PlainTextPattern => _many is null ? _one.PlainTextPattern : null;

    /// <summary>
    /// Whether the bytes can follow: read as <see cref="Push"/> reads them (the same splits, joins and limit, so a token
    /// the mask leaves is one <see cref="Push"/> takes), on buffers kept per thread, so nothing is allocated.
    /// </summary>
    public readonly bool Takes(ReadOnlySpan<byte> bytes)
    {
        int at = 0;
        var one = _one;
        if (_many is null) // one choice until a value with overlapping branches starts, if one does
        {
            for (; at < bytes.Length && one.NextBranches is null; at++)
                if (!one.Push(bytes[at])) return false;
            if (at == bytes.Length) return true;
        }
        var front = s_front ??= new JsonSchemaPrefix[MaxFollowed];
        var back = s_back ??= new JsonSchemaPrefix[MaxFollowed];
        int count = _many?.Length ?? 1;
        if (_many is null) front[0] = one;
        else _many.CopyTo(front, 0);
        for (; at < bytes.Length; at++)
        {
            count = Advance(front.AsSpan(0, count), bytes[at], back);
            if (count == 0) return false;
            (front, back) = (back, front);
        }
        return true;
    }

    public bool Push(byte b)
    {
        if (_many is null && _one.NextBranches is null) return _one.Push(b);
        var kept = s_kept ??= new JsonSchemaPrefix[MaxFollowed];
        int count = _many is null ? Advance(new ReadOnlySpan<JsonSchemaPrefix>(in _one), b, kept) : Advance(_many, b, kept);
        if (count == 0) return false;
        if (count == 1) (_one, _many) = (kept[0], null);
        else _many = kept[..count];
        return true;
    }

    /// <summary>The choices after byte b, into kept (at most <see cref="MaxFollowed"/>, in order); how many.</summary>
    static int Advance(ReadOnlySpan<JsonSchemaPrefix> choices, byte b, JsonSchemaPrefix[] kept)
    {
        int count = 0;
        foreach (var choice in choices) Split(choice, b, kept, ref count);
        return count;
    }

    /// <summary>The choice, or one per branch of the value it expects next, each kept where it takes b and leads somewhere new.</summary>
    static void Split(in JsonSchemaPrefix choice, byte b, JsonSchemaPrefix[] kept, ref int count)
    {
        if (choice.NextBranches is not { } branches)
        {
            Keep(choice, b, kept, ref count);
            return;
        }
        foreach (var branch in branches) Keep(choice.WithNext(branch), b, kept, ref count);
    }

    static void Keep(JsonSchemaPrefix choice, byte b, JsonSchemaPrefix[] kept, ref int count)
    {
        if (count == MaxFollowed || !choice.Push(b)) return;
        for (int i = 0; i < count; i++)
            if (kept[i].SameFuture(choice)) return;
        kept[count++] = choice;
    }
}
