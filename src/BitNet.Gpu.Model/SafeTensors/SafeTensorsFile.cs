namespace BitNet.Gpu.Model.SafeTensors;

/// <summary>
/// One safetensors file, memory-mapped: a u64 header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}</c>, then the data.
/// Opening checks the whole header (length, JSON, dtypes, shapes against byte spans, offsets in range and not
/// overlapping); a bad one throws <see cref="ModelFormatException"/> naming the file and tensor.
/// Tensor bytes are read in place, never copied.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>The reference implementation refuses headers over 100 MB; so do we (a 2B model's header is ~30 KB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    readonly MappedFile _mapped;
    readonly Dictionary<string, SafeTensorInfo> _byName;

    public string Path { get; }
    public long FileLength { get; }
    /// <summary>Offset of the data section: 8 + header length.</summary>
    public long DataOffset { get; }
    /// <summary>The free-form string metadata of "__metadata__" (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Tensors in header order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    SafeTensorsFile(MappedFile mapped)
    {
        _mapped = mapped;
        Path = mapped.Path;
        FileLength = mapped.Length;
        byte* basePointer = mapped.Pointer;
        try
        {
            long headerLength = ReadHeaderLength();
            DataOffset = 8 + headerLength;
            var header = new ReadOnlySpan<byte>(basePointer + 8, (int)headerLength);
            (Metadata, Tensors) = SafeTensorsHeader.Parse(Path, header, FileLength - DataOffset, DataOffset);
            _byName = Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static SafeTensorsFile Open(string path) =>
        new(MappedFile.Open(path, "safetensors file", 8, "a safetensors file starts with an 8-byte header length"));

    public SafeTensorInfo? FindTensor(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// <paramref name="length"/> bytes of the tensor starting at <paramref name="byteOffset"/> within it
    /// (read a tensor over 2 GiB in pieces). Valid until the file is disposed.
    /// </summary>
    public ReadOnlySpan<byte> GetBytes(SafeTensorInfo tensor, long byteOffset, int length)
    {
        if (!_byName.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {Path}", nameof(tensor));
        if (byteOffset < 0 || length < 0 || byteOffset > tensor.ByteSize - length)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"bytes {byteOffset}..{byteOffset + length} are outside tensor '{tensor.Name}' ({tensor.ByteSize} bytes)");
        return new ReadOnlySpan<byte>(_mapped.Pointer + tensor.FileOffset + byteOffset, length);
    }

    /// <summary>All bytes of a tensor under 2 GiB.</summary>
    public ReadOnlySpan<byte> GetBytes(SafeTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue)
            throw new NotSupportedException($"tensor '{tensor.Name}' is {tensor.ByteSize} bytes; read it in pieces");
        return GetBytes(tensor, 0, (int)tensor.ByteSize);
    }

    public void Dispose() => _mapped.Dispose();

    long ReadHeaderLength()
    {
        ulong declared = *(ulong*)_mapped.Pointer; // little-endian on every platform .NET runs this on
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors reading needs a little-endian machine");
        if (declared > MaxHeaderBytes)
            throw new ModelFormatException(Path, $"header length {declared} is over the {MaxHeaderBytes}-byte limit", 0);
        if (declared > (ulong)(FileLength - 8))
            throw new ModelFormatException(Path, $"header length {declared} runs past the end of the file ({FileLength} bytes)", 0);
        if (declared < 2)
            throw new ModelFormatException(Path, $"header length {declared} is too small for a JSON object", 0);
        return (long)declared;
    }
}
