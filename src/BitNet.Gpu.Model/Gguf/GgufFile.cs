using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Gguf;

/// <summary>
/// A GGUF file (versions 2 and 3), memory-mapped: opening parses and checks the header only, and tensor data is
/// read in place through read-only views, never copied. Every field is checked (counts against the bytes left,
/// dimensions, size overflow, types, alignment, offsets, duplicates) and a bad one throws
/// <see cref="ModelFormatException"/> with the file, field and byte offset.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian u32
    public const int DefaultAlignment = 32;
    public const int MaxDimensions = 4;   // GGML_MAX_DIMS
    public const int MaxTensorNameBytes = 63; // GGML_MAX_NAME (64) including the terminating zero

    readonly MappedFile _mapped;
    readonly Dictionary<string, GgufTensorInfo> _byName;

    public string Path { get; }
    public long FileLength { get; }
    public uint Version { get; }
    public GgufMetadata Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public int Alignment { get; }
    /// <summary>Offset of the data section from the start of the file.</summary>
    public long DataOffset { get; }

    GgufFile(MappedFile mapped)
    {
        _mapped = mapped;
        Path = mapped.Path;
        FileLength = mapped.Length;
        try
        {
            var cursor = new GgufCursor(mapped.Pointer, FileLength, Path);
            Version = ReadHeader(ref cursor, out int tensorCount, out int keyCount);
            Metadata = ReadMetadata(ref cursor, keyCount);
            Alignment = ReadAlignment();
            var infos = ReadTensorInfos(ref cursor, tensorCount);
            DataOffset = AlignUp(cursor.Position, Alignment);
            Tensors = PlaceTensors(infos);
            _byName = Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens and memory-maps <paramref name="path"/>; the header is checked before this returns.</summary>
    public static GgufFile Open(string path) =>
        new(MappedFile.Open(path, "model file", 24, "a GGUF header is 24 bytes"));

    public GgufTensorInfo? FindTensor(string name) => _byName.GetValueOrDefault(name);

    public GgufTensorInfo GetTensor(string name) =>
        FindTensor(name) ?? throw new ModelFormatException(Path, $"missing tensor '{name}'");

    /// <summary>The tensor's bytes, in place in the mapped file (valid until the file is disposed).</summary>
    public ReadOnlySpan<byte> GetTensorBytes(GgufTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue)
            throw new NotSupportedException($"tensor '{tensor.Name}' is {tensor.ByteSize} bytes; use GetTensorPointer for tensors over 2 GiB");
        return new ReadOnlySpan<byte>(GetTensorPointer(tensor), (int)tensor.ByteSize);
    }

    /// <summary>Pointer to the tensor's first byte in the mapped file (valid until the file is disposed).</summary>
    public byte* GetTensorPointer(GgufTensorInfo tensor)
    {
        if (!_byName.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {Path}", nameof(tensor));
        return _mapped.Pointer + tensor.FileOffset;
    }

    /// <summary>
    /// Keeps the file mapped until the returned lease is disposed, even after this file is: for a backend that reads a
    /// tensor in place (<see cref="GetTensorPointer"/>) instead of copying it.
    /// </summary>
    public IDisposable KeepMapped() => _mapped.KeepMapped();

    public void Dispose() => _mapped.Dispose();

    uint ReadHeader(ref GgufCursor cursor, out int tensorCount, out int keyCount)
    {
        uint magic = cursor.ReadUInt32("magic");
        if (magic != Magic)
            throw new ModelFormatException(Path, $"not a GGUF file: magic is 0x{magic:X8}, expected 0x{Magic:X8} (\"GGUF\")", 0);
        uint version = cursor.ReadUInt32("version");
        if (version is not (2 or 3))
            throw new ModelFormatException(Path, $"unsupported GGUF version {version} (2 and 3 are supported)", 4);
        const int minTensorInfoBytes = 8 + 4 + 8 + 4 + 8; // name length, n_dims, one dim, type, offset
        const int minKeyValueBytes = 8 + 4 + 1;            // key length, value type, one byte of value
        tensorCount = cursor.ReadCount("tensor count", "tensor infos", minTensorInfoBytes);
        keyCount = cursor.ReadCount("metadata key count", "metadata key-value pairs", minKeyValueBytes);
        return version;
    }

    GgufMetadata ReadMetadata(ref GgufCursor cursor, int keyCount)
    {
        var metadata = new GgufMetadata(Path);
        for (int i = 0; i < keyCount; i++)
        {
            long at = cursor.Position;
            string key = cursor.ReadString($"metadata key #{i}");
            if (key.Length == 0)
                throw new ModelFormatException(Path, $"metadata key #{i} is empty", at);
            var type = (GgufValueType)cursor.ReadUInt32($"type of '{key}'");
            var value = ReadValue(ref cursor, key, type);
            if (metadata.Contains(key))
                throw new ModelFormatException(Path, $"duplicate metadata key '{key}'", at);
            metadata.Add(key, value);
        }
        return metadata;
    }

    GgufValue ReadValue(ref GgufCursor cursor, string key, GgufValueType type)
    {
        if (type == GgufValueType.Array)
        {
            long at = cursor.Position;
            var elementType = (GgufValueType)cursor.ReadUInt32($"element type of '{key}'");
            if (elementType == GgufValueType.Array)
                throw new ModelFormatException(Path, $"metadata '{key}': arrays of arrays are not supported", at);
            if (!Enum.IsDefined(elementType))
                throw new ModelFormatException(Path, $"metadata '{key}': unknown array element type {(uint)elementType}", at);
            int count = cursor.ReadCount($"element count of '{key}'", "array elements", ElementSize(elementType));
            return new GgufValue(type, ReadArray(ref cursor, key, elementType, count), elementType);
        }
        if (!Enum.IsDefined(type))
            throw new ModelFormatException(Path, $"metadata '{key}': unknown value type {(uint)type}", cursor.Position - 4);
        return new GgufValue(type, ReadScalar(ref cursor, key, type));
    }

    static object ReadScalar(ref GgufCursor cursor, string key, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => cursor.ReadUInt8(key),
        GgufValueType.Int8 => cursor.ReadInt8(key),
        GgufValueType.UInt16 => cursor.ReadUInt16(key),
        GgufValueType.Int16 => cursor.ReadInt16(key),
        GgufValueType.UInt32 => cursor.ReadUInt32(key),
        GgufValueType.Int32 => cursor.ReadInt32(key),
        GgufValueType.Float32 => cursor.ReadFloat32(key),
        GgufValueType.Bool => cursor.ReadBool(key),
        GgufValueType.String => cursor.ReadString(key),
        GgufValueType.UInt64 => cursor.ReadUInt64(key),
        GgufValueType.Int64 => cursor.ReadInt64(key),
        GgufValueType.Float64 => cursor.ReadFloat64(key),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    static Array ReadArray(ref GgufCursor cursor, string key, GgufValueType elementType, int count)
    {
        var array = Array.CreateInstance(GgufValue.ClrType(elementType), count);
        for (int i = 0; i < count; i++)
            array.SetValue(ReadScalar(ref cursor, key, elementType), i);
        return array;
    }

    /// <summary>Smallest number of bytes one element takes in the file (a string takes at least its length field).</summary>
    static int ElementSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        _ => 8,
    };

    int ReadAlignment()
    {
        if (!Metadata.Contains("general.alignment")) return DefaultAlignment;
        long alignment = Metadata.GetInteger("general.alignment");
        if (alignment <= 0 || alignment > 1 << 20 || (alignment & (alignment - 1)) != 0)
            throw new ModelFormatException(Path, $"general.alignment = {alignment} is not a power of two up to 1 MiB");
        return (int)alignment;
    }

    List<GgufTensorInfo> ReadTensorInfos(ref GgufCursor cursor, int tensorCount)
    {
        var infos = new List<GgufTensorInfo>(Math.Min(tensorCount, 4096));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tensorCount; i++)
        {
            long at = cursor.Position;
            string name = cursor.ReadString($"name of tensor #{i}");
            if (name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
                throw new ModelFormatException(Path, $"tensor #{i} has a name of {name.Length} characters (1 to {MaxTensorNameBytes} bytes allowed)", at);
            if (!names.Add(name))
                throw new ModelFormatException(Path, $"duplicate tensor name '{name}'", at);

            uint dimensionCount = cursor.ReadUInt32($"dimension count of '{name}'");
            if (dimensionCount is 0 or > MaxDimensions)
                throw new ModelFormatException(Path, $"tensor '{name}' has {dimensionCount} dimensions (1 to {MaxDimensions} allowed)", cursor.Position - 4);
            var dims = new long[dimensionCount];
            long elements = 1;
            for (int d = 0; d < dims.Length; d++)
            {
                ulong dim = cursor.ReadUInt64($"dimension {d} of '{name}'");
                if (dim == 0 || dim > long.MaxValue || (elements = MultiplyOrZero(elements, (long)dim)) == 0)
                    throw new ModelFormatException(Path, $"tensor '{name}' dimension {d} = {dim} is zero or makes the element count overflow", cursor.Position - 8);
                dims[d] = (long)dim;
            }

            long typeAt = cursor.Position;
            var type = (GgmlType)cursor.ReadUInt32($"type of '{name}'");
            long byteSize = TensorByteSize(name, type, dims, elements, typeAt);
            ulong offset = cursor.ReadUInt64($"data offset of '{name}'");
            if (offset > long.MaxValue)
                throw new ModelFormatException(Path, $"tensor '{name}' data offset {offset} is out of range", cursor.Position - 8);
            infos.Add(new GgufTensorInfo(name, dims, type, (long)offset, byteSize));
        }
        return infos;
    }

    long TensorByteSize(string name, GgmlType type, long[] dims, long elements, long typeAt)
    {
        if (!TensorSizes.IsKnown(type))
            throw new ModelFormatException(Path, $"tensor '{name}' has unknown type id {(uint)type}", typeAt);
        int valuesPerBlock = TensorSizes.ValuesPerBlock(type);
        if (dims[0] % valuesPerBlock != 0)
            throw new ModelFormatException(Path, $"tensor '{name}' ({type}) has rows of {dims[0]} values, not a multiple of its block size {valuesPerBlock}", typeAt);
        try
        {
            return TensorSizes.ByteSize(type, elements);
        }
        catch (Exception e) when (e is OverflowException or ArgumentException)
        {
            throw new ModelFormatException(Path, $"tensor '{name}' size overflows ({elements} values of {type})", typeAt);
        }
    }

    /// <summary>Checks every tensor's data lies inside the file, aligned, without overlapping another.</summary>
    IReadOnlyList<GgufTensorInfo> PlaceTensors(List<GgufTensorInfo> infos)
    {
        if (infos.Count > 0 && DataOffset > FileLength)
            throw new ModelFormatException(Path, $"file is truncated: data section starts at {DataOffset}, file has {FileLength} bytes");
        long dataLength = FileLength - DataOffset;
        var placed = new List<GgufTensorInfo>(infos.Count);
        foreach (var info in infos)
        {
            if (info.RelativeOffset % Alignment != 0)
                throw new ModelFormatException(Path, $"tensor '{info.Name}' data offset {info.RelativeOffset} is not a multiple of the alignment {Alignment}");
            if (info.RelativeOffset > dataLength || info.ByteSize > dataLength - info.RelativeOffset)
                throw new ModelFormatException(Path, $"tensor '{info.Name}' data ({info.ByteSize} bytes at data offset {info.RelativeOffset}) runs past the end of the file ({dataLength} data bytes)");
            placed.Add(info with { FileOffset = DataOffset + info.RelativeOffset });
        }
        var byOffset = placed.OrderBy(t => t.RelativeOffset).ToList();
        for (int i = 1; i < byOffset.Count; i++)
        {
            var previous = byOffset[i - 1];
            if (previous.RelativeOffset + previous.ByteSize > byOffset[i].RelativeOffset)
                throw new ModelFormatException(Path, $"tensors '{previous.Name}' and '{byOffset[i].Name}' overlap");
        }
        return placed;
    }

    static long MultiplyOrZero(long a, long b) => b != 0 && a > long.MaxValue / b ? 0 : a * b;

    internal static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;
}
