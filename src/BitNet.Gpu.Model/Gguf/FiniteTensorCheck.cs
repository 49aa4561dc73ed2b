using System.Numerics;
using System.Runtime.CompilerServices;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Model.Gguf;

/// <summary>
/// Refuses a model whose floating-point numbers include NaN or an infinity: every value of an F32, F16 or BF16 tensor,
/// and the scales of the quantized formats (I2_S's tensor scale; the block scale d of TQ2_0, TQ1_0, Q8_0, Q4_0 and
/// Q6_K; Q4_K's d and dmin). One such number spreads through every later layer and turns the output into NaN, so a
/// corrupt download is reported at load, naming the tensor and the byte, instead of as meaningless text.
/// </summary>
/// <remarks>
/// A float is NaN or infinite exactly when its exponent bits are all ones, so the dense tensors are checked as
/// integers, a vector of them at a time, over chunks shared among the cores. Block scales are one half per 18 to 210
/// bytes and are read one by one.
/// </remarks>
public static unsafe class FiniteTensorCheck
{
    const uint F32Exponent = 0x7F80_0000;
    const ushort F16Exponent = 0x7C00;
    const ushort BF16Exponent = 0x7F80;
    const long ValuesPerChunk = 1 << 20;
    const long BlocksPerChunk = 1 << 16;

    /// <summary>A stretch of one tensor to check: values [Start, Start + Count) or, for a block format, those blocks.</summary>
    readonly record struct Chunk(GgufTensorInfo Tensor, long Start, long Count);

    /// <summary>
    /// Checks every tensor of <paramref name="file"/>; the first NaN or infinity (in file order) is a
    /// <see cref="ModelFormatException"/> naming the file, the tensor, the value or block, and its byte offset.
    /// </summary>
    public static void Check(GgufFile file)
    {
        var chunks = new List<Chunk>();
        foreach (var tensor in file.Tensors)
        {
            long units = Units(tensor);
            long perChunk = Layout(tensor.Type).IsDense ? ValuesPerChunk : BlocksPerChunk;
            for (long start = 0; start < units; start += perChunk)
                chunks.Add(new Chunk(tensor, start, Math.Min(perChunk, units - start)));
        }

        var bad = new bool[chunks.Count];
        Parallel.For(0, chunks.Count, i => bad[i] = HasNonFinite(file, chunks[i]));
        int first = Array.IndexOf(bad, true);
        if (first >= 0) throw Describe(file, chunks[first]);
    }

    /// <summary>How a type stores its floats: a dense element size, or the offsets of f16 scales within each block.</summary>
    readonly record struct FloatLayout(bool IsDense, int ElementBytes, int BlockBytes, int[] ScaleOffsets);

    static readonly FloatLayout Float32 = new(true, 4, 0, []), Float16 = new(true, 2, 0, []), NoBlocks = new(false, 0, 0, []);
    static readonly FloatLayout TQ2 = new(false, 0, TQ2_0.BytesPerBlock, [TQ2_0.BytesPerBlock - 2]);  // d after the codes
    static readonly FloatLayout TQ1 = new(false, 0, TQ1_0.BytesPerBlock, [TQ1_0.BytesPerBlock - 2]);  // d after qs and qh
    static readonly FloatLayout Q8 = new(false, 0, Q8_0.BytesPerBlock, [0]);                          // d, then 32 codes
    static readonly FloatLayout Q4 = new(false, 0, 18, [0]);                                          // d, then 16 bytes of nibbles
    static readonly FloatLayout Q4K = new(false, 0, Q4_K.BytesPerBlock, [0, 2]);                      // d, dmin, scales, codes
    static readonly FloatLayout Q6K = new(false, 0, Q6_K.BytesPerBlock, [Q6_K.BytesPerBlock - 2]);    // d last

    static FloatLayout Layout(GgmlType type) => type switch
    {
        GgmlType.F32 => Float32,
        GgmlType.F16 or GgmlType.BF16 => Float16,
        GgmlType.TQ2_0 => TQ2,
        GgmlType.TQ1_0 => TQ1,
        GgmlType.Q8_0 => Q8,
        GgmlType.Q4_0 => Q4,
        GgmlType.Q4_K => Q4K,
        GgmlType.Q6_K => Q6K,
        _ => NoBlocks, // I2_S (its one scale is checked apart) and types without floats
    };

    /// <summary>Values (dense types), blocks (block types), one scale (I2_S) or nothing to check.</summary>
    static long Units(GgufTensorInfo tensor)
    {
        var layout = Layout(tensor.Type);
        if (layout.IsDense) return tensor.ByteSize / layout.ElementBytes;
        if (layout.BlockBytes > 0) return tensor.ByteSize / layout.BlockBytes;
        return tensor.Type == GgmlType.I2_S ? 1 : 0;
    }

    static bool HasNonFinite(GgufFile file, Chunk chunk)
    {
        byte* data = file.GetTensorPointer(chunk.Tensor);
        var layout = Layout(chunk.Tensor.Type);
        if (chunk.Tensor.Type == GgmlType.I2_S)
            return IsNonFinite(Unsafe.ReadUnaligned<uint>(data + I2SScaleOffset(chunk.Tensor)), F32Exponent);
        if (layout.IsDense)
        {
            int count = (int)chunk.Count;
            return chunk.Tensor.Type switch
            {
                GgmlType.F32 => AnyExponentAllOnes(new ReadOnlySpan<uint>((uint*)data + chunk.Start, count), F32Exponent),
                GgmlType.F16 => AnyExponentAllOnes(new ReadOnlySpan<ushort>((ushort*)data + chunk.Start, count), F16Exponent),
                _ => AnyExponentAllOnes(new ReadOnlySpan<ushort>((ushort*)data + chunk.Start, count), BF16Exponent),
            };
        }
        bool bad = false;
        byte* block = data + chunk.Start * layout.BlockBytes;
        for (long b = 0; b < chunk.Count; b++, block += layout.BlockBytes)
            foreach (int offset in layout.ScaleOffsets)
                bad |= IsNonFinite(Unsafe.ReadUnaligned<ushort>(block + offset), F16Exponent);
        return bad;
    }

    /// <summary>True when any value has every bit of <paramref name="exponent"/> set: NaN or ±infinity.</summary>
    /// <remarks>Compiled optimized from the first call: the check runs once per load, over in a fraction of a second,
    /// which left most of it to the unoptimized first tier (the check took 200–450 ms of a 2B4T load).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool AnyExponentAllOnes<T>(ReadOnlySpan<T> values, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        var mask = new Vector<T>(exponent);
        var found = Vector<T>.Zero;
        int width = Vector<T>.Count, i = 0;
        ref T start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
        for (; i <= values.Length - 2 * width; i += 2 * width)
        {
            found |= Vector.Equals(Vector.LoadUnsafe(ref start, (nuint)i) & mask, mask);
            found |= Vector.Equals(Vector.LoadUnsafe(ref start, (nuint)(i + width)) & mask, mask);
        }
        for (; i <= values.Length - width; i += width)
            found |= Vector.Equals(Vector.LoadUnsafe(ref start, (nuint)i) & mask, mask);
        bool any = found != Vector<T>.Zero;
        for (; i < values.Length; i++) any |= IsNonFinite(values[i], exponent);
        return any;
    }

    static bool IsNonFinite<T>(T bits, T exponent) where T : IBinaryInteger<T> => (bits & exponent) == exponent;

    static long I2SScaleOffset(GgufTensorInfo tensor) => tensor.ElementCount / 4;

    /// <summary>Finds the first bad number of a flagged chunk and words the error.</summary>
    static ModelFormatException Describe(GgufFile file, Chunk chunk)
    {
        var tensor = chunk.Tensor;
        byte* data = file.GetTensorPointer(tensor);
        var layout = Layout(tensor.Type);
        string where = $"tensor '{tensor.Name}' ({tensor.Type})";
        const string Why = "the file is corrupt (such a number would spread through every layer and make the output meaningless)";
        if (tensor.Type == GgmlType.I2_S)
        {
            long offset = I2SScaleOffset(tensor);
            float scale = Unsafe.ReadUnaligned<float>(data + offset);
            return new ModelFormatException(file.Path, $"{where} has a scale of {Words(scale)}; {Why}", tensor.FileOffset + offset);
        }
        if (layout.IsDense)
        {
            for (long i = chunk.Start; i < chunk.Start + chunk.Count; i++)
            {
                byte* at = data + i * layout.ElementBytes;
                float value = tensor.Type switch
                {
                    GgmlType.F32 => Unsafe.ReadUnaligned<float>(at),
                    GgmlType.F16 => (float)Unsafe.ReadUnaligned<Half>(at),
                    _ => BitConverter.Int32BitsToSingle(Unsafe.ReadUnaligned<ushort>(at) << 16),
                };
                if (!float.IsFinite(value))
                    return new ModelFormatException(file.Path, $"{where} holds {Words(value)} at value {i} of {Units(tensor)}; {Why}",
                        tensor.FileOffset + i * layout.ElementBytes);
            }
        }
        for (long b = chunk.Start; b < chunk.Start + chunk.Count; b++)
            foreach (int offset in layout.ScaleOffsets)
            {
                long at = b * layout.BlockBytes + offset;
                float scale = (float)Unsafe.ReadUnaligned<Half>(data + at);
                if (!float.IsFinite(scale))
                {
                    string name = tensor.Type == GgmlType.Q4_K && offset == 2 ? "dmin" : "d";
                    return new ModelFormatException(file.Path, $"{where} has a block scale {name} of {Words(scale)} in block {b} of {Units(tensor)}; {Why}",
                        tensor.FileOffset + at);
                }
            }
        return new ModelFormatException(file.Path, $"{where} holds a value that is not finite; {Why}", tensor.FileOffset);
    }

    static string Words(float value) =>
        float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
}
