namespace BitNet.Gpu.Tests.Model.Formats;

/// <summary>Seeded random inputs for the format tests.</summary>
internal static class FormatTestData
{
    public static sbyte[] RandomTernary(Random random, int count)
    {
        var values = new sbyte[count];
        for (int i = 0; i < count; i++)
            values[i] = (sbyte)random.Next(-1, 2);
        return values;
    }

    /// <summary>Random finite f16 scales of either sign, spread over many exponents.</summary>
    public static Half[] RandomScales(Random random, int count)
    {
        var scales = new Half[count];
        for (int i = 0; i < count; i++)
            scales[i] = (Half)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-12, 8)));
        return scales;
    }

    public static float[] RandomFloats(Random random, int count, float magnitude = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1) * magnitude;
        return values;
    }

    public static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Σ (actual − expected)² / Σ expected²: how far a quantizer's round trip moved the values.</summary>
    public static double RelativeSquaredError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            error += Math.Pow(actual[i] - expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return error / norm;
    }

    public static float[] Poisoned(int count) => Enumerable.Repeat(float.NaN, count).ToArray();

    public static sbyte[] PoisonedTernary(int count) => Enumerable.Repeat((sbyte)0x7F, count).ToArray();

    public static byte[] PoisonedBytes(int count) => Enumerable.Repeat((byte)0x7F, count).ToArray();
}
