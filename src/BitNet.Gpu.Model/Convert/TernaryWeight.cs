namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// A ternary matrix with one scale for the whole tensor: weight[r, c] = Values[r·Columns + c] × Scale.
/// </summary>
/// <param name="Values">rows × columns, each -1, 0 or +1, row-major</param>
/// <param name="Scale">the magnitude of every nonzero weight (0 when all values are 0)</param>
public sealed record TernaryWeight(sbyte[] Values, float Scale, int Rows, int Columns)
{
    /// <summary>The weights as floats (t × scale), what llama.cpp's TQ quantizers and bitnet.cpp's I2_S quantizer are given.</summary>
    public float[] ToFloat()
    {
        var result = new float[Values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = Values[i] * Scale;
        return result;
    }
}
