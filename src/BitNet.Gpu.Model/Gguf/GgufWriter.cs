using System.Text;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Gguf;

/// <summary>
/// Writes a GGUF v3 file: metadata in insertion order, then tensor infos, then the tensor data, each tensor
/// aligned to <see cref="Alignment"/>. Tensor data is produced lazily, one tensor at a time, so a converter
/// never holds the whole model in memory. The file is written beside the target and renamed when complete.
/// </summary>
public sealed class GgufWriter
{
    readonly List<PendingTensor> _tensors = new();
    readonly HashSet<string> _names = new(StringComparer.Ordinal);

    sealed record PendingTensor(string Name, GgmlType Type, long[] Dimensions, long ByteSize, Func<ReadOnlyMemory<byte>> Data);

    public GgufMetadata Metadata { get; } = new();
    public int Alignment { get; init; } = GgufFile.DefaultAlignment;
    public int TensorCount => _tensors.Count;

    public void Add(string key, string value) => Metadata.Set(key, GgufValue.Of(value));
    public void Add(string key, uint value) => Metadata.Set(key, GgufValue.Of(value));
    public void Add(string key, int value) => Metadata.Set(key, GgufValue.Of(value));
    public void Add(string key, float value) => Metadata.Set(key, GgufValue.Of(value));
    public void Add(string key, bool value) => Metadata.Set(key, GgufValue.Of(value));
    public void Add(string key, string[] value) => Metadata.Set(key, GgufValue.Of(value));
    public void Add(string key, int[] value) => Metadata.Set(key, GgufValue.Of(value));
    public void Add(string key, float[] value) => Metadata.Set(key, GgufValue.Of(value));

    /// <summary>Adds a tensor whose bytes are produced when the file is written.</summary>
    /// <param name="dimensions">Innermost first (dimensions[0] is the row length), as GGUF stores them.</param>
    public void AddTensor(string name, GgmlType type, long[] dimensions, Func<ReadOnlyMemory<byte>> data)
    {
        if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > GgufFile.MaxTensorNameBytes)
            throw new ArgumentException($"tensor name '{name}' must be 1 to {GgufFile.MaxTensorNameBytes} bytes", nameof(name));
        if (dimensions.Length is 0 or > GgufFile.MaxDimensions || dimensions.Any(d => d <= 0))
            throw new ArgumentException($"tensor '{name}' has bad dimensions [{string.Join(", ", dimensions)}]", nameof(dimensions));
        if (!_names.Add(name))
            throw new ArgumentException($"duplicate tensor name '{name}'", nameof(name));
        long elements = dimensions.Aggregate(1L, (a, d) => checked(a * d));
        _tensors.Add(new PendingTensor(name, type, (long[])dimensions.Clone(), TensorSizes.ByteSize(type, elements), data));
    }

    public void AddTensor(string name, GgmlType type, long[] dimensions, ReadOnlyMemory<byte> data) =>
        AddTensor(name, type, dimensions, () => data);

    /// <summary>
    /// Writes the file. <paramref name="progress"/> gets (tensors written, tensor count, name) after each tensor.
    /// A new file is written beside the path and renamed into place when complete, so an interrupted run leaves no
    /// half-written model under the final name. An existing path is written through, as any tool opening it for writing
    /// would: a symbolic link keeps pointing at its (rewritten) target and a device such as /dev/null stays a device,
    /// where a rename would have replaced them.
    /// </summary>
    public void Write(string path, Action<int, int, string>? progress = null)
    {
        if (File.Exists(path))
        {
            using var existing = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            WriteTo(existing, progress);
            return;
        }
        string temporary = path + ".partial";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                WriteTo(stream, progress);
            File.Move(temporary, path, overwrite: false);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public void WriteTo(Stream stream, Action<int, int, string>? progress = null)
    {
        Metadata.Set("general.alignment", GgufValue.Of((uint)Alignment));
        var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        header.Write(GgufFile.Magic);
        header.Write(3u);
        header.Write((ulong)_tensors.Count);
        header.Write((ulong)Metadata.Count);
        foreach (var (key, value) in Metadata.Entries)
        {
            WriteString(header, key);
            header.Write((uint)value.Type);
            WriteValue(header, value);
        }

        long offset = 0;
        foreach (var tensor in _tensors)
        {
            WriteString(header, tensor.Name);
            header.Write((uint)tensor.Dimensions.Length);
            foreach (long d in tensor.Dimensions) header.Write((ulong)d);
            header.Write((uint)tensor.Type);
            header.Write((ulong)offset);
            offset = GgufFile.AlignUp(offset + tensor.ByteSize, Alignment);
        }
        header.Flush();
        Pad(stream);

        for (int i = 0; i < _tensors.Count; i++)
        {
            var tensor = _tensors[i];
            var data = tensor.Data();
            if (data.Length != tensor.ByteSize)
                throw new InvalidOperationException($"tensor '{tensor.Name}': {data.Length} bytes produced, {tensor.ByteSize} expected for {tensor.Type} [{string.Join(", ", tensor.Dimensions)}]");
            stream.Write(data.Span);
            Pad(stream);
            progress?.Invoke(i + 1, _tensors.Count, tensor.Name);
        }
        stream.Flush();
    }

    void Pad(Stream stream)
    {
        long padding = GgufFile.AlignUp(stream.Position, Alignment) - stream.Position;
        for (long i = 0; i < padding; i++) stream.WriteByte(0);
    }

    static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    static void WriteValue(BinaryWriter w, GgufValue value)
    {
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(w, value.Type, value.Value);
            return;
        }
        var array = (Array)value.Value;
        w.Write((uint)value.ElementType!.Value);
        w.Write((ulong)array.Length);
        foreach (var element in array) WriteScalar(w, value.ElementType.Value, element!);
    }

    static void WriteScalar(BinaryWriter w, GgufValueType type, object v)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write((byte)v); break;
            case GgufValueType.Int8: w.Write((sbyte)v); break;
            case GgufValueType.UInt16: w.Write((ushort)v); break;
            case GgufValueType.Int16: w.Write((short)v); break;
            case GgufValueType.UInt32: w.Write((uint)v); break;
            case GgufValueType.Int32: w.Write((int)v); break;
            case GgufValueType.Float32: w.Write((float)v); break;
            case GgufValueType.Bool: w.Write((bool)v ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)v); break;
            case GgufValueType.UInt64: w.Write((ulong)v); break;
            case GgufValueType.Int64: w.Write((long)v); break;
            case GgufValueType.Float64: w.Write((double)v); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a scalar GGUF type");
        }
    }
}
