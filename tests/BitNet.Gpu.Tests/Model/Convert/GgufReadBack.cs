using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Tests.Model.Convert;

/// <summary>Reads converted tensors back into plain values for comparison.</summary>
internal static class GgufReadBack
{
    /// <summary>The ternary values and the per-256-value (TQ) or whole-tensor (I2_S, one entry) scales.</summary>
    public static (sbyte[] Values, float[] Scales) Ternary(GgufFile file, string name)
    {
        var info = file.GetTensor(name);
        var bytes = file.GetTensorBytes(info);
        var values = new sbyte[info.ElementCount];
        switch (info.Type)
        {
            case GgmlType.I2_S:
                return (values, [I2S.Unpack(bytes, values)]);
            case GgmlType.TQ2_0:
            {
                var scales = new Half[values.Length / 256];
                TQ2_0.Unpack(bytes, values, scales);
                return (values, scales.Select(h => (float)h).ToArray());
            }
            case GgmlType.TQ1_0:
            {
                var scales = new Half[values.Length / 256];
                TQ1_0.Unpack(bytes, values, scales);
                return (values, scales.Select(h => (float)h).ToArray());
            }
            default:
                throw new InvalidOperationException($"{name} is {info.Type}");
        }
    }

    public static float[] Dense(GgufFile file, string name)
    {
        var info = file.GetTensor(name);
        var bytes = file.GetTensorBytes(info);
        var values = new float[info.ElementCount];
        switch (info.Type)
        {
            case GgmlType.F32: System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values); break;
            case GgmlType.F16: F16.ToFloat(bytes, values); break;
            case GgmlType.BF16: BF16.ToFloat(bytes, values); break;
            default: throw new InvalidOperationException($"{name} is {info.Type}");
        }
        return values;
    }

    /// <summary>llama.cpp's permute, written out: new row h·d + 2b + a holds old row h·d + a·(d/2) + b.</summary>
    public static sbyte[] PermuteRows(sbyte[] values, int rows, int columns, int heads)
    {
        int d = rows / heads;
        var result = new sbyte[values.Length];
        for (int newRow = 0; newRow < rows; newRow++)
        {
            int h = newRow / d, b = newRow % d / 2, a = newRow % 2;
            int oldRow = h * d + a * (d / 2) + b;
            Array.Copy(values, oldRow * columns, result, newRow * columns, columns);
        }
        return result;
    }
}
