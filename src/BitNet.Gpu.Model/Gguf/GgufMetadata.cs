namespace BitNet.Gpu.Model.Gguf;

/// <summary>
/// The key-value metadata of a GGUF file, in file order, with typed getters.
/// A missing key or a value of the wrong type throws <see cref="ModelFormatException"/> naming the file and key.
/// </summary>
public sealed class GgufMetadata
{
    readonly Dictionary<string, GgufValue> _values = new(StringComparer.Ordinal);
    readonly List<string> _order = new();

    public GgufMetadata(string? filePath = null) => FilePath = filePath;

    /// <summary>The file the metadata came from (for error messages); null for metadata built in memory.</summary>
    public string? FilePath { get; }

    public int Count => _order.Count;
    public IEnumerable<string> Keys => _order;
    public IEnumerable<KeyValuePair<string, GgufValue>> Entries => _order.Select(k => KeyValuePair.Create(k, _values[k]));

    public bool Contains(string key) => _values.ContainsKey(key);
    public GgufValue this[string key] => _values.TryGetValue(key, out var v) ? v : throw Missing(key);
    public bool TryGet(string key, out GgufValue value) => _values.TryGetValue(key, out value!);

    /// <summary>Adds a key; a key that is already present is an error (GGUF keys are unique).</summary>
    public void Add(string key, GgufValue value)
    {
        if (!_values.TryAdd(key, value))
            throw new ModelFormatException(FilePath, $"duplicate metadata key '{key}'");
        _order.Add(key);
    }

    /// <summary>Adds or replaces a key (for writers that update metadata).</summary>
    public void Set(string key, GgufValue value)
    {
        if (!_values.ContainsKey(key)) _order.Add(key);
        _values[key] = value;
    }

    public bool Remove(string key) => _values.Remove(key) && _order.Remove(key);

    public string GetString(string key) => this[key].Value as string ?? throw WrongType(key, "a string");

    public bool TryGetString(string key, out string? value)
    {
        value = _values.TryGetValue(key, out var v) ? v.Value as string : null;
        return value is not null;
    }

    public bool GetBool(string key) => this[key].Value is bool b ? b : throw WrongType(key, "a bool");

    public bool TryGetBool(string key, out bool value)
    {
        value = false;
        if (!_values.TryGetValue(key, out var v)) return false;
        value = v.Value is bool b ? b : throw WrongType(key, "a bool");
        return true;
    }

    /// <summary>An integer of any GGUF integer type.</summary>
    public long GetInteger(string key) => ToInteger(key, this[key].Value);

    public bool TryGetInteger(string key, out long value)
    {
        value = 0;
        if (!_values.TryGetValue(key, out var v)) return false;
        value = ToInteger(key, v.Value);
        return true;
    }

    /// <summary>A float stored as f32 or f64.</summary>
    public float GetFloat32(string key) => this[key].Value switch
    {
        float f => f,
        double d => (float)d,
        _ => throw WrongType(key, "a float"),
    };

    public bool TryGetFloat32(string key, out float value)
    {
        value = 0;
        if (!_values.ContainsKey(key)) return false;
        value = GetFloat32(key);
        return true;
    }

    public string[] GetStringArray(string key) => this[key].Value as string[] ?? throw WrongType(key, "an array of strings");

    /// <summary>An array of any integer element type whose values fit in an int.</summary>
    public int[] GetInt32Array(string key)
    {
        var value = this[key];
        if (value.Value is int[] ints) return ints;
        if (value.Value is not Array array || value.ElementType is GgufValueType.String or GgufValueType.Float32 or GgufValueType.Float64 or GgufValueType.Bool)
            throw WrongType(key, "an array of integers");
        var result = new int[array.Length];
        for (int i = 0; i < result.Length; i++)
        {
            long element = ToInteger(key, array.GetValue(i)!);
            if (element is < int.MinValue or > int.MaxValue)
                throw new ModelFormatException(FilePath, $"metadata '{key}'[{i}] = {element} does not fit in 32 bits");
            result[i] = (int)element;
        }
        return result;
    }

    public float[] GetFloat32Array(string key) => this[key].Value switch
    {
        float[] f => f,
        double[] d => Array.ConvertAll(d, x => (float)x),
        _ => throw WrongType(key, "an array of floats"),
    };

    long ToInteger(string key, object value) => value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => throw WrongType(key, "an integer"),
    };

    ModelFormatException Missing(string key) => new(FilePath, $"missing metadata key '{key}'");

    ModelFormatException WrongType(string key, string expected) =>
        new(FilePath, $"metadata '{key}' should be {expected}, found {_values[key].Type}" +
                      (_values[key].ElementType is { } e ? $" of {e}" : ""));
}
