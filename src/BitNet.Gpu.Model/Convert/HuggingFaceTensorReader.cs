using System.Buffers.Binary;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.SafeTensors;

namespace BitNet.Gpu.Model.Convert;

/// <summary>Reads safetensors tensors of a Hugging Face checkpoint as float32, checking their shapes.</summary>
internal static class HuggingFaceTensorReader
{
    /// <summary>Throws a <see cref="ModelFormatException"/> naming the tensor unless its shape is <paramref name="expected"/>.</summary>
    public static void ExpectShape(SafeTensorInfo tensor, params long[] expected)
    {
        if (!tensor.Shape.SequenceEqual(expected))
            throw new ModelFormatException(tensor.FilePath, $"tensor '{tensor.Name}' has shape {tensor.ShapeText}, expected [{string.Join(", ", expected)}]");
    }

    public static bool IsFloat(SafeTensorInfo tensor) => tensor.DType is SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16;

    /// <summary>The whole tensor as float32 (tensors under 2^31 values).</summary>
    public static float[] ReadFloat32(SafeTensorsCheckpoint checkpoint, SafeTensorInfo tensor)
    {
        if (tensor.ElementCount > Array.MaxLength)
            throw new ModelFormatException(tensor.FilePath, $"tensor '{tensor.Name}' has {tensor.ElementCount} values, too many to convert at once");
        var values = new float[tensor.ElementCount];
        ReadFloat32(checkpoint, tensor, 0, values);
        return values;
    }

    /// <summary>destination.Length values of the tensor starting at value <paramref name="firstValue"/>, as float32.</summary>
    public static void ReadFloat32(SafeTensorsCheckpoint checkpoint, SafeTensorInfo tensor, long firstValue, Span<float> destination)
    {
        int size = SafeTensorsDTypes.ElementSize(tensor.DType);
        var bytes = checkpoint.GetBytes(tensor, firstValue * size, checked(destination.Length * size));
        switch (tensor.DType)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case SafeTensorsDType.F16:
                F16.ToFloat(bytes, destination);
                break;
            case SafeTensorsDType.BF16:
                BF16.ToFloat(bytes, destination);
                break;
            default:
                throw new ModelFormatException(tensor.FilePath, $"tensor '{tensor.Name}' is {tensor.DType}, expected F32, F16 or BF16");
        }
    }
}
