using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Tests.Model.Gguf;

/// <summary>Small valid GGUF files with every metadata type and a few tensor types, built with seeded random data.</summary>
public static class GgufTestFiles
{
    public static GgufWriter SmallWriter(int seed)
    {
        var random = new Random(seed);
        var writer = new GgufWriter();
        writer.Add("general.architecture", "test");
        writer.Add("general.name", "small ✓ model");
        writer.Metadata.Set("u8", new GgufValue(GgufValueType.UInt8, (byte)200));
        writer.Metadata.Set("i8", new GgufValue(GgufValueType.Int8, (sbyte)-7));
        writer.Metadata.Set("u16", new GgufValue(GgufValueType.UInt16, (ushort)60000));
        writer.Metadata.Set("i16", new GgufValue(GgufValueType.Int16, (short)-30000));
        writer.Add("u32", 4_000_000_000u);
        writer.Add("i32", -2_000_000_000);
        writer.Add("f32", 1.5f);
        writer.Add("bool", true);
        writer.Metadata.Set("u64", new GgufValue(GgufValueType.UInt64, 18_000_000_000_000_000_000UL));
        writer.Metadata.Set("i64", new GgufValue(GgufValueType.Int64, -9_000_000_000_000L));
        writer.Metadata.Set("f64", new GgufValue(GgufValueType.Float64, Math.PI));
        writer.Add("strings", new[] { "a", "", "ü€😀" });
        writer.Add("ints", new[] { 1, -2, 3 });
        writer.Add("floats", new[] { 0.25f, -8f });
        writer.Metadata.Set("bytes", new GgufValue(GgufValueType.Array, new byte[] { 1, 2, 255 }, GgufValueType.UInt8));

        writer.AddTensor("f32.weight", GgmlType.F32, [3, 2], RandomBytes(random, 24));
        writer.AddTensor("f16.weight", GgmlType.F16, [5], RandomBytes(random, 10));
        writer.AddTensor("i2s.weight", GgmlType.I2_S, [128, 3], RandomBytes(random, 3 * 128 / 4 + 32));
        writer.AddTensor("tq2.weight", GgmlType.TQ2_0, [256, 2], RandomBytes(random, 2 * 66));
        return writer;
    }

    public static byte[] SmallFileBytes(int seed)
    {
        using var stream = new MemoryStream();
        SmallWriter(seed).WriteTo(stream);
        return stream.ToArray();
    }

    static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
