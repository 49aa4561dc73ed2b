namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// llama.cpp's <c>LlamaModel.permute</c> for q_proj and k_proj: Hugging Face llama rotates the two halves of each
/// head (rotate_half) while llama.cpp's llama graph rotates adjacent pairs, so within each head the rows are
/// reordered: new row h·d + 2b + a ← old row h·d + a·(d/2) + b (a ∈ {0, 1}, b &lt; d/2, d the head size).
/// </summary>
internal static class QueryKeyPermutation
{
    /// <param name="values">rows × columns, row-major; rows = heads × headDim</param>
    public static T[] Permute<T>(T[] values, int rows, int columns, int heads)
    {
        if (rows % heads != 0 || rows / heads % 2 != 0)
            throw new ArgumentException($"{rows} rows do not split into {heads} heads of an even size", nameof(heads));
        int headDim = rows / heads, half = headDim / 2;
        var result = new T[values.Length];
        for (int h = 0; h < heads; h++)
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < half; b++)
                {
                    int from = h * headDim + a * half + b;
                    int to = h * headDim + 2 * b + a;
                    Array.Copy(values, (long)from * columns, result, (long)to * columns, columns);
                }
        return result;
    }
}
