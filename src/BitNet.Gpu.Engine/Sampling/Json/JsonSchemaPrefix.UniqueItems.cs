namespace BitNet.Gpu.Engine.Sampling;

/// <summary><c>uniqueItems</c>: each item's value kept as a hash (see <see cref="UniqueValues"/>), a value met before refused.</summary>
internal partial struct JsonSchemaPrefix
{
    /// <summary>The first byte of a unique item that is not an enum value: true, false and null once each; a string's or integer's hash begun.</summary>
    bool StartUniqueItem(byte b)
    {
        (_itemHash, _itemIsInteger, _itemNegative) = b switch
        {
            (byte)'t' => (UniqueValues.True, false, false),
            (byte)'f' => (UniqueValues.False, false, false),
            (byte)'n' => (UniqueValues.Null, false, false),
            (byte)'"' => (UniqueValues.StringStart, false, false),
            (byte)'-' => (UniqueValues.IntegerStart, true, true),
            _ => (UniqueValues.Fold(UniqueValues.IntegerStart, b), true, false),
        };
        return _itemIsInteger || b == '"' || _top.Unique?.Contains(_itemHash) != true;
    }

    /// <summary>The enum values (as bits) already among the array's items.</summary>
    readonly ulong LiteralsAlreadyItems(ulong[] hashes)
    {
        ulong seen = 0;
        for (int i = 0; i < hashes.Length; i++)
            if (_top.Unique?.Contains(hashes[i]) == true) seen |= 1UL << i;
        return seen;
    }

    /// <summary>A unique item read whole: false if an earlier item has its value, else kept among them.</summary>
    bool AddUniqueItem(ulong hash)
    {
        _uniqueItem = false;
        var seen = _top.Unique ?? [];
        if (seen.Contains(hash)) return false;
        _top.Unique = seen.Add(hash);
        return true;
    }
}
