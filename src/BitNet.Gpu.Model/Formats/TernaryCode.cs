namespace BitNet.Gpu.Model.Formats;

/// <summary>
/// The 2-bit code both I2_S and TQ2_0 store for a ternary value: code = t + 1 (0 = -1, 1 = 0, 2 = +1).
/// Code 3 means nothing and is a format error.
/// </summary>
internal static class TernaryCode
{
    public static int Encode(sbyte value, int index, string paramName)
    {
        if (value < -1 || value > 1)
            throw new ArgumentException($"{paramName}[{index}] is {value}; ternary values must be -1, 0 or +1.", paramName);
        return value + 1;
    }

    /// <param name="byteOffset">offset of the code's byte within the tensor data, for the error message</param>
    public static sbyte Decode(int code, string format, long byteOffset)
    {
        if (code == 3)
            throw new ModelFormatException(null, $"{format} data holds the invalid 2-bit code 3", byteOffset);
        return (sbyte)(code - 1);
    }
}
