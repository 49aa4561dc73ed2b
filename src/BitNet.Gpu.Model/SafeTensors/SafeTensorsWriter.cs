using System.Text.Json;

namespace BitNet.Gpu.Model.SafeTensors;

/// <summary>
/// Writes a safetensors file: the JSON header (tensors in insertion order, padded with spaces to a multiple of 8
/// as the reference writer does) and the tensor bytes back to back.
/// </summary>
public sealed class SafeTensorsWriter
{
    readonly List<(string Name, SafeTensorsDType DType, long[] Shape, ReadOnlyMemory<byte> Data)> _tensors = new();
    readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <param name="shape">outermost first, as PyTorch writes it</param>
    /// <param name="data">little-endian elements, shape product × element size bytes</param>
    public void Add(string name, SafeTensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data)
    {
        if (string.IsNullOrEmpty(name) || name == "__metadata__")
            throw new ArgumentException($"bad tensor name '{name}'", nameof(name));
        if (shape.Any(d => d < 0))
            throw new ArgumentException($"tensor '{name}' has a negative dimension", nameof(shape));
        long expected = shape.Aggregate(1L, (a, d) => checked(a * d)) * SafeTensorsDTypes.ElementSize(dtype);
        if (data.Length != expected)
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given, shape [{string.Join(", ", shape)}] of {dtype} needs {expected}", nameof(data));
        if (!_names.Add(name))
            throw new ArgumentException($"duplicate tensor name '{name}'", nameof(name));
        _tensors.Add((name, dtype, (long[])shape.Clone(), data));
    }

    public void Add(string name, float[] values, long[] shape) =>
        Add(name, SafeTensorsDType.F32, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public byte[] HeaderBytes()
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in Metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in _tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", SafeTensorsDTypes.Name(tensor.DType));
                json.WriteStartArray("shape");
                foreach (long d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    public void Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream);
    }

    public void WriteTo(Stream stream)
    {
        var header = HeaderBytes();
        Span<byte> length = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in _tensors) stream.Write(tensor.Data.Span);
        stream.Flush();
    }
}
