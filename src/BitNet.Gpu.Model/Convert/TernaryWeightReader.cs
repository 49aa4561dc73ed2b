using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.SafeTensors;

namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// Reads one linear weight of a Hugging Face BitNet checkpoint as a <see cref="TernaryWeight"/>, whichever form it has:
/// <list type="bullet">
/// <item>packed uint8 of shape (rows/4, cols) with a <c>weight_scale</c> tensor (microsoft/bitnet-b1.58-2B-4T,
/// quant_method bitnet): ternary t of row i·(rows/4) + j sits in packed row j at bits 2i..2i+1 as t + 1, and the
/// real weight is t / weight_scale;</item>
/// <item>float values that are already ternary, {-s, 0, +s}: kept as they are, scale s;</item>
/// <item>float master weights (bf16/f16/f32): ternarized with bitnet.cpp's absmean rule.</item>
/// </list>
/// </summary>
internal static class TernaryWeightReader
{
    /// <param name="permuteHeads">
    /// for llama's q/k: the head count of <see cref="QueryKeyPermutation"/>, applied to the ternary values after
    /// ternarizing in the checkpoint's own layout (the layout the model was trained and quantized in)
    /// </param>
    public static TernaryWeight Read(SafeTensorsCheckpoint checkpoint, string name, int rows, int columns, int? permuteHeads = null)
    {
        var weight = ReadUnpermuted(checkpoint, name, rows, columns);
        return permuteHeads is { } heads ? weight with { Values = QueryKeyPermutation.Permute(weight.Values, rows, columns, heads) } : weight;
    }

    static TernaryWeight ReadUnpermuted(SafeTensorsCheckpoint checkpoint, string name, int rows, int columns)
    {
        var tensor = checkpoint.Get(name);
        string scaleName = name.EndsWith(".weight", StringComparison.Ordinal) ? name + "_scale" : name + ".weight_scale";
        if (checkpoint.Find(scaleName) is { } scale)
            return ReadPacked(checkpoint, tensor, scale, rows, columns);

        HuggingFaceTensorReader.ExpectShape(tensor, rows, columns);
        if (!HuggingFaceTensorReader.IsFloat(tensor))
            throw new ModelFormatException(tensor.FilePath, $"tensor '{name}' is {tensor.DType} without a '{scaleName}' tensor; expected float weights or packed uint8 with a weight_scale");
        var weights = HuggingFaceTensorReader.ReadFloat32(checkpoint, tensor);
        var ternary = new sbyte[weights.Length];
        if (TryReadTernary(weights, ternary, out float ternaryScale))
            return new TernaryWeight(ternary, ternaryScale, rows, columns);
        CheckFinite(tensor, weights);
        float absmeanScale = Ternarize.Absmean(weights, ternary);
        return new TernaryWeight(ternary, absmeanScale, rows, columns);
    }

    /// <summary>True when every weight is -m, 0 or +m with m = max|w| (a tensor that is already ternary).</summary>
    internal static bool TryReadTernary(ReadOnlySpan<float> weights, Span<sbyte> ternary, out float scale)
    {
        scale = 0;
        foreach (float w in weights) scale = MathF.Max(scale, MathF.Abs(w));
        if (!(scale > 0) || !float.IsFinite(scale)) return false;
        for (int i = 0; i < weights.Length; i++)
        {
            float w = weights[i];
            if (w == scale) ternary[i] = 1;
            else if (w == -scale) ternary[i] = -1;
            else if (w == 0) ternary[i] = 0;
            else return false;
        }
        return true;
    }

    static TernaryWeight ReadPacked(SafeTensorsCheckpoint checkpoint, SafeTensorInfo packed, SafeTensorInfo scaleTensor, int rows, int columns)
    {
        if (rows % 4 != 0)
            throw new ModelFormatException(packed.FilePath, $"tensor '{packed.Name}': {rows} rows cannot be packed 4 to a byte");
        if (packed.DType != SafeTensorsDType.U8)
            throw new ModelFormatException(packed.FilePath, $"tensor '{packed.Name}' has a weight_scale but is {packed.DType}, expected U8 (4 ternary values a byte)");
        HuggingFaceTensorReader.ExpectShape(packed, rows / 4, columns);
        if (scaleTensor.ElementCount != 1 || !HuggingFaceTensorReader.IsFloat(scaleTensor))
            throw new ModelFormatException(scaleTensor.FilePath, $"tensor '{scaleTensor.Name}' should be one float, found {scaleTensor.DType} {scaleTensor.ShapeText}");
        Span<float> inverseScale = stackalloc float[1];
        HuggingFaceTensorReader.ReadFloat32(checkpoint, scaleTensor, 0, inverseScale);
        if (!(inverseScale[0] > 0) || !float.IsFinite(inverseScale[0]))
            throw new ModelFormatException(scaleTensor.FilePath, $"tensor '{scaleTensor.Name}' = {inverseScale[0]} is not a positive number");

        var bytes = checkpoint.GetBytes(packed);  // rows/4 × columns, 4 codes a byte
        var ternary = new sbyte[(long)rows * columns];
        int packedRows = rows / 4;
        bool anyNonzero = false;
        for (int j = 0; j < packedRows; j++)
        {
            var source = bytes.Slice(j * columns, columns);
            for (int i = 0; i < 4; i++)
            {
                var row = ternary.AsSpan((i * packedRows + j) * columns, columns);
                int shift = 2 * i;
                for (int c = 0; c < columns; c++)
                {
                    int code = (source[c] >> shift) & 3;
                    if (code == 3)
                        throw new ModelFormatException(packed.FilePath, $"tensor '{packed.Name}' holds code 3 at packed row {j}, column {c} (codes are t + 1, 0 to 2)");
                    row[c] = (sbyte)(code - 1);
                    anyNonzero |= code != 1;
                }
            }
        }
        // bitnet.cpp's I2_S quantizer stores max|w|; for t / weight_scale that is 1 / weight_scale (or 0 for an all-zero tensor).
        return new TernaryWeight(ternary, anyNonzero ? 1f / inverseScale[0] : 0f, rows, columns);
    }

    static void CheckFinite(SafeTensorInfo tensor, float[] weights)
    {
        int bad = Array.FindIndex(weights, w => !float.IsFinite(w));
        if (bad >= 0)
            throw new ModelFormatException(tensor.FilePath, $"tensor '{tensor.Name}' holds {weights[bad]} at index {bad}");
    }
}
