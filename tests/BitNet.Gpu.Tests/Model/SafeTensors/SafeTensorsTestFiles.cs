using System.Buffers.Binary;
using System.Text;
using BitNet.Gpu.Model.SafeTensors;

namespace BitNet.Gpu.Tests.Model.SafeTensors;

/// <summary>Small safetensors files for the tests, built with <see cref="SafeTensorsWriter"/> or from a raw header.</summary>
internal static class SafeTensorsTestFiles
{
    /// <summary>Three tensors of different dtypes filled with seeded random bytes, plus metadata.</summary>
    public static (SafeTensorsWriter Writer, Dictionary<string, byte[]> Data) SmallWriter(int seed)
    {
        var random = new Random(seed);
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        var data = new Dictionary<string, byte[]>();
        void Add(string name, SafeTensorsDType dtype, long[] shape)
        {
            var bytes = new byte[shape.Aggregate(1L, (a, d) => a * d) * SafeTensorsDTypes.ElementSize(dtype)];
            random.NextBytes(bytes);
            writer.Add(name, dtype, shape, bytes);
            data[name] = bytes;
        }
        Add("model.norm.weight", SafeTensorsDType.F32, [24]);
        Add("model.layers.0.mlp.up_proj.weight", SafeTensorsDType.BF16, [6, 8]);
        Add("packed", SafeTensorsDType.U8, [3, 5]);
        Add("signed", SafeTensorsDType.I8, [7]);
        Add("half", SafeTensorsDType.F16, [2, 2, 2]);
        return (writer, data);
    }

    public static byte[] SmallFileBytes(int seed)
    {
        var stream = new MemoryStream();
        SmallWriter(seed).Writer.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>A file with the given JSON header text and <paramref name="dataLength"/> zero data bytes.</summary>
    public static byte[] Raw(string headerJson, int dataLength)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
