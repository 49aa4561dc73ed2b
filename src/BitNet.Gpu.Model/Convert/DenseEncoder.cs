using System.Buffers.Binary;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// Writes float tensors (embeddings, norms) as F32, F16, BF16, or quantized as Q8_0, Q4_K or Q6_K (the smaller embeddings
/// llama-quantize makes), a chunk of values at a time.
/// </summary>
public static class DenseEncoder
{
    public static bool IsDenseType(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q8_0 or GgmlType.Q4_K or GgmlType.Q6_K;

    /// <summary>Values that must be encoded together (a row's length must be a multiple of it).</summary>
    public static int ValuesPerBlock(GgmlType type) => TensorSizes.ValuesPerBlock(type);

    /// <summary>Encodes <paramref name="values"/> into <paramref name="destination"/> (the type's byte size for that many values).</summary>
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
            case GgmlType.Q8_0:
                Q8_0.Quantize(values, destination);
                break;
            case GgmlType.Q4_K:
                Q4_K.Quantize(values, destination);
                break;
            case GgmlType.Q6_K:
                Q6_K.Quantize(values, destination);
                break;
            default:
                throw new ArgumentException($"{type} is not a dense type (F32, F16, BF16, Q8_0, Q4_K, Q6_K)", nameof(type));
        }
    }

    /// <summary>
    /// Produces a tensor of <paramref name="count"/> values chunk by chunk: <paramref name="read"/> fills a float buffer
    /// with values [first, first + buffer.Length), so a 1.3 GB float embedding is never materialized.
    /// </summary>
    public static byte[] Encode(long count, GgmlType type, ReadChunk read)
    {
        const int chunk = 1 << 20; // a multiple of every block size
        var bytes = new byte[checked(TensorSizes.ByteSize(type, count))];
        var buffer = new float[(int)Math.Min(chunk, count)];
        for (long first = 0; first < count; first += chunk)
        {
            int n = (int)Math.Min(chunk, count - first);
            read(first, buffer.AsSpan(0, n));
            int offset = checked((int)TensorSizes.ByteSize(type, first));
            Encode(buffer.AsSpan(0, n), type, bytes.AsSpan(offset, checked((int)TensorSizes.ByteSize(type, n))));
        }
        return bytes;
    }

    public delegate void ReadChunk(long first, Span<float> buffer);
}
