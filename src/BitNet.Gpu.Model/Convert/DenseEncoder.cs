using System.Buffers.Binary;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Convert;

/// <summary>Writes float tensors (embeddings, norms) as F32, F16 or BF16, a chunk of values at a time.</summary>
public static class DenseEncoder
{
    public static bool IsDenseType(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16;

    public static int ElementSize(GgmlType type) => type == GgmlType.F32 ? 4 : 2;

    /// <summary>Encodes <paramref name="values"/> into <paramref name="destination"/> (values.Length × element size bytes).</summary>
    public static void Encode(ReadOnlySpan<float> values, GgmlType type, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], values[i]);
                break;
            case GgmlType.F16:
                F16.FromFloat(values, destination);
                break;
            case GgmlType.BF16:
                BF16.FromFloat(values, destination);
                break;
            default:
                throw new ArgumentException($"{type} is not a dense float type (F32, F16, BF16)", nameof(type));
        }
    }

    /// <summary>
    /// Produces a tensor of <paramref name="count"/> values chunk by chunk: <paramref name="read"/> fills a float buffer
    /// with values [first, first + buffer.Length), so a 1.3 GB float embedding is never materialized.
    /// </summary>
    public static byte[] Encode(long count, GgmlType type, ReadChunk read)
    {
        const int chunk = 1 << 20;
        int size = ElementSize(type);
        var bytes = new byte[checked(count * size)];
        var buffer = new float[(int)Math.Min(chunk, count)];
        for (long first = 0; first < count; first += chunk)
        {
            int n = (int)Math.Min(chunk, count - first);
            read(first, buffer.AsSpan(0, n));
            Encode(buffer.AsSpan(0, n), type, bytes.AsSpan(checked((int)(first * size)), n * size));
        }
        return bytes;
    }

    public delegate void ReadChunk(long first, Span<float> buffer);
}
