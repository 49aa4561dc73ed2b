namespace BitNet.Gpu.Model.SafeTensors;

/// <summary>The element types bitnet-gpu reads from safetensors files (named as in the header's "dtype").</summary>
public enum SafeTensorsDType
{
    F32,
    F16,
    BF16,
    U8,
    I8,
}

public static class SafeTensorsDTypes
{
    public static int ElementSize(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => 4,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.U8 or SafeTensorsDType.I8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype"),
    };

    /// <summary>The header spelling ("F32", "BF16", ...).</summary>
    public static string Name(SafeTensorsDType dtype) => dtype.ToString();

    /// <summary>Parses a header dtype; false for the ones bitnet-gpu does not read (F64, I32, BOOL, F8_E4M3, ...).</summary>
    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        dtype = name switch
        {
            "F32" => SafeTensorsDType.F32,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            "U8" => SafeTensorsDType.U8,
            "I8" => SafeTensorsDType.I8,
            _ => (SafeTensorsDType)(-1),
        };
        return Enum.IsDefined(dtype);
    }
}
