namespace BitNet.Gpu.Model.Formats;

/// <summary>Argument checks shared by the format classes: spans of the wrong length name the parameter and both lengths.</summary>
internal static class SpanChecks
{
    public static void RequireLength(int actual, long expected, string paramName)
    {
        if (actual != expected)
            throw new ArgumentException($"{paramName} has length {actual}, expected {expected}.", paramName);
    }

    /// <summary>The number of whole blocks in <paramref name="valueCount"/> values; throws when there is a partial block.</summary>
    public static int BlockCount(int valueCount, int valuesPerBlock, string format, string paramName)
    {
        if (valueCount % valuesPerBlock != 0)
            throw new ArgumentException(
                $"{paramName} has length {valueCount}, which is not a multiple of the {format} block size {valuesPerBlock}.", paramName);
        return valueCount / valuesPerBlock;
    }

    public static void RequireFinite(ReadOnlySpan<float> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{paramName}[{i}] is {values[i]}; only finite values can be quantized.", paramName);
        }
    }
}
