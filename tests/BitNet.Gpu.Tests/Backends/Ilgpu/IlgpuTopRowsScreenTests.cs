using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The top-k screen of the F16 output layer (<see cref="OutputLayerType.Screened"/>) on ILGPU's CPU accelerator (warp-shuffle and shared-memory sets), held to
/// what the CPU screen promises: every logit it returns equals the full product's bit for bit, every other is −∞, the
/// full product's top k (ties by row) and the rows always wanted are among those returned, and most rows are skipped.
/// </summary>
public sealed class IlgpuTopRowsScreenTests
{
    const int Rows = 2048, Cols = 256;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EachTokenGetsEveryLogitItsSamplerCanUse(bool portableReductions)
    {
        int[] topK = [1, 40, 5];
        int[][] alwaysExact = [[0, Rows - 1], [], [17, 17, 2000]];
        int tokens = topK.Length;
        using var weights = new RandomWeightFile(seed: 31);
        weights.AddDense("output.weight", GgmlType.F16, Rows, Cols, scale: 0.05f);
        var random = new Random(32);
        var x = Enumerable.Range(0, tokens * Cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        using var backend = IlgpuAccelerators.CreateCpuBackend(portableReductions, OutputLayerType.Screened);
        using var w = backend.UploadDense(weights.File, weights["output.weight"]);
        using var input = backend.AllocateActivations(tokens, Cols);
        using var output = backend.AllocateActivations(tokens, Rows);
        backend.Write(input, tokens, x);
        backend.BeginStep(new int[tokens], 0);

        var full = Run(backend, output, tokens, () => backend.DenseMatMul(w, input, output, tokens));
        long bytes = 0;
        var screened = Run(backend, output, tokens, () => bytes = backend.DenseMatMulTopRows(w, input, output, tokens, topK,
            [.. alwaysExact.Select(a => (ReadOnlyMemory<int>)a)]));

        Assert.True(backend.LastExactRows < tokens * Rows / 8, $"{backend.LastExactRows} of {tokens * Rows} rows were computed in F16: nothing was skipped");
        Assert.True(bytes < w.ByteSize, $"the screen read {bytes} bytes, the full product {w.ByteSize}");
        TopRowsScreenChecks.KeepsEveryLogitItsSamplerCanUse(full, screened, Rows, topK, alwaysExact);
    }

    [Fact]
    public void Int8OutputLayer_IsNotScreened_EveryRowIsItsProduct_TheTopOnesRead()
    {
        using var weights = new RandomWeightFile(seed: 33);
        weights.AddDense("output.weight", GgmlType.F16, 300, 64, scale: 0.05f);
        using var backend = IlgpuAccelerators.CreateCpuBackend(outputType: OutputLayerType.Int8);
        using var w = backend.UploadDense(weights.File, weights["output.weight"]);
        using var input = backend.AllocateActivations(1, 64);
        using var output = backend.AllocateActivations(1, 300);
        backend.Write(input, 1, Enumerable.Range(0, 64).Select(i => MathF.Sin(i)).ToArray());
        backend.BeginStep(new int[1], 0);
        var full = Run(backend, output, 1, () => backend.DenseMatMul(w, input, output, 1));
        var top = Run(backend, output, 1, () => backend.DenseMatMulTop(w, input, output, 3, []));
        Assert.Equal(300, backend.LastExactRows);
        // The full product ran; its three largest logits are read back (IlgpuTopSelectionTests), the rest are −∞.
        var largest = Enumerable.Range(0, 300).OrderByDescending(r => full[r]).Take(3).ToArray();
        Assert.All(largest, r => Assert.Equal(full[r], top[r]));
        Assert.Equal(3, top.Count(float.IsFinite));
    }

    /// <summary>Runs <paramref name="product"/> into <paramref name="output"/> poisoned with NaN and reads it back.</summary>
    static float[] Run(IlgpuBackend backend, DeviceBuffer output, int tokens, Action product)
    {
        backend.Write(output, tokens, Enumerable.Repeat(float.NaN, tokens * output.Cols).ToArray());
        product();
        var values = new float[tokens * output.Cols];
        backend.Read(output, tokens, values);
        Assert.DoesNotContain(values, float.IsNaN);
        return values;
    }
}
