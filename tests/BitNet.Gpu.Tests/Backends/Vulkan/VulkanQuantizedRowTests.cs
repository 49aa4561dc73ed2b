using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// Ternary products whose rows end inside a weight word (cols % 16 in 1..12). The shaders read the activations of
/// whole weight words, 16 values each, so every quantized row must hold them; GPU-assisted validation (on in every
/// Vulkan test) reports any read past the binding, and the products must still equal Σ w·q exactly.
/// </summary>
public sealed class VulkanQuantizedRowTests
{
    [VulkanTheory]
    [InlineData(128, 129, 1, IntegerDotProductUse.Never)]          // cols % 16 = 1
    [InlineData(32, 140, 1, IntegerDotProductUse.Never)]           // 12
    [InlineData(16, 136, 3, IntegerDotProductUse.Never)]           // 8, several tokens (ternary_matmul)
    [InlineData(128, 129, 1, IntegerDotProductUse.WhenSupported)]
    [InlineData(32, 140, 2, IntegerDotProductUse.WhenSupported)]
    public void TernaryProduct_WithRowsEndingInsideAWord_StaysInItsRows(int rows, int cols, int tokens, IntegerDotProductUse integerDot)
    {
        var random = new Random(cols * 31 + tokens);
        var weights = new sbyte[rows * cols];   // I2_S packs the tensor as one run: rows × cols must be whole 128-value blocks
        for (int i = 0; i < weights.Length; i++) weights[i] = (sbyte)(random.Next(3) - 1);
        const float weightScale = 0.75f;
        var encoded = new byte[TensorSizes.ByteSize(GgmlType.I2_S, weights.Length)];
        I2S.Pack(weights, weightScale, encoded);
        var x = new float[tokens * cols];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 4 - 2);

        using var backend = VulkanTestDevice.CreateBackend(integerDotProduct: integerDot);
        using var w = backend.UploadTernary("odd", GgmlType.I2_S, encoded, rows, cols);
        using var input = backend.AllocateActivations(tokens, cols);
        using var quantized = backend.AllocateQuantized(tokens, cols);
        using var y = backend.AllocateActivations(tokens, rows);
        backend.Write(input, tokens, x);
        backend.QuantizeActivations(input, quantized, tokens);
        backend.TernaryMatMul(w, quantized, y, tokens);
        var q = new sbyte[tokens * cols];
        var actScales = new float[tokens];
        backend.ReadQuantized(quantized, tokens, q, actScales);
        var actual = new float[tokens * rows];
        backend.Read(y, tokens, actual);

        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < rows; r++)
            {
                long dot = 0;   // y[t, r] = scale · Σ_c w[r, c] · q[t, c] / actScale[t]
                for (int c = 0; c < cols; c++) dot += weights[r * cols + c] * q[t * cols + c];
                double expected = weightScale * dot / actScales[t];
                Assert.True(Math.Abs(actual[t * rows + r] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)),
                    $"y[{t}, {r}] = {actual[t * rows + r]}, expected {expected}");
            }
    }
}
