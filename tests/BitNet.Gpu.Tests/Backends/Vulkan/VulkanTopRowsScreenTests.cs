using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Synthetic;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// The top-k screen of the F16 output layer (<see cref="OutputLayerType.Screened"/>) on lavapipe, held to what the CPU
/// and ILGPU screens promise: every logit it returns equals the full product's bit for bit, every other is −∞, the full
/// product's top k (ties by row) and the rows always wanted are among those returned, and most rows are skipped; when
/// too many rows survive, every row is computed; greedy generation picks the same tokens as with the stored layer.
/// </summary>
public sealed class VulkanTopRowsScreenTests
{
    const int Rows = 2048, Cols = 256;

    [VulkanTheory]
    [InlineData(0L, false)]
    [InlineData(0L, true)]        // q8_screen_dot
    [InlineData(64L << 10, false)]   // the matrix bound in 16 chunks of 128 rows
    public void EachTokenGetsEveryLogitItsSamplerCanUse(long maxBindingBytes, bool integerDot)
    {
        int[] topK = [1, 40, 5];
        int[][] alwaysExact = [[0, Rows - 1], [], [17, 17, 2000]];
        int tokens = topK.Length;
        using var backend = VulkanTestDevice.CreateBackend(maxBindingBytes,
            integerDot ? IntegerDotProductUse.WhenSupported : IntegerDotProductUse.Never, outputType: OutputLayerType.Screened);
        Assert.Equal(integerDot, backend.UsesIntegerDotProduct);
        var (full, screened, bytes, weightBytes) = FullAndScreened(backend, tokens, topK, alwaysExact);

        Assert.True(backend.LastExactRows < tokens * Rows / 8, $"{backend.LastExactRows} of {tokens * Rows} rows were computed in F16: nothing was skipped");
        Assert.True(bytes < weightBytes, $"the screen read {bytes} bytes, the full product {weightBytes}");
        TopRowsScreenChecks.KeepsEveryLogitItsSamplerCanUse(full, screened, Rows, topK, alwaysExact);
        for (int t = 0; t < tokens; t++)
        {
            int returned = screened.AsSpan(t * Rows, Rows).ToArray().Count(v => !float.IsNegativeInfinity(v));
            Assert.True(returned < Rows / 8, $"token {t}: {returned} rows returned");
        }
    }

    [VulkanFact]
    public void TooManyCandidates_ComputeEveryRow()
    {
        using var backend = VulkanTestDevice.CreateBackend(outputType: OutputLayerType.Screened);
        var (full, screened, _, _) = FullAndScreened(backend, 1, [Rows / 4], [[]]);
        Assert.Equal(Rows, backend.LastExactRows);
        Assert.Equal(full, screened);
    }

    [VulkanFact]
    public void Int8OutputLayer_IsNotScreened_EveryRowIsItsProduct_TheTopOnesRead()
    {
        using var backend = VulkanTestDevice.CreateBackend(outputType: OutputLayerType.Int8);
        var (full, top, _, _) = FullAndScreened(backend, 1, [3], [[]]);
        Assert.Equal(Rows, backend.LastExactRows);
        // The full product ran; its three largest logits are read back (VulkanTopSelectionTests), the rest are −∞.
        var largest = Enumerable.Range(0, Rows).OrderByDescending(r => full[r]).Take(3).ToArray();
        Assert.All(largest, r => Assert.Equal(full[r], top[r]));
        Assert.Equal(3, top.Count(float.IsFinite));
    }

    /// <summary>A tiny model with a 4096-token F16 output layer (tied), big enough for the screen to skip most rows.</summary>
    static readonly Lazy<string> Model = new(() =>
        SyntheticModels.Custom("tiny-vocab4096", SyntheticModelOptions.Tiny with { VocabSize = 4096, Seed = 23, ContextLength = 64 }));

    [VulkanFact]
    public void GreedyTokens_AreTheStoredLayers()
    {
        var stored = GreedyTokens(OutputLayerType.Stored, out _);
        var screened = GreedyTokens(OutputLayerType.Screened, out int exactRows);
        Assert.Equal(stored, screened);
        Assert.True(exactRows < 4096 / 8, $"{exactRows} of 4096 output rows were computed: nothing was skipped");
    }

    /// <summary>Six tokens picked greedily after a prompt of four: argmax of all logits (stored) or of a top-1 screen.</summary>
    static int[] GreedyTokens(OutputLayerType outputType, out int exactRows)
    {
        using var model = LoadedModel.Load(Model.Value, new LoadOptions
        {
            Backend = "vulkan", ContextLength = 32, BatchSize = 4, BackendOptions = new BackendOptions { OutputType = outputType },
        }, VulkanTestDevice.Registry());
        var graph = model.Graph;
        var logits = new float[graph.VocabSize];
        int[] next = [7, 300, 2048, 4000];
        var picked = new List<int>();
        for (int step = 0; step < 6; step++)
        {
            if (outputType == OutputLayerType.Screened) graph.ForwardTop(next, logits, 1, []);
            else graph.Forward(next, logits);
            int best = 0;
            for (int t = 1; t < logits.Length; t++) if (logits[t] > logits[best]) best = t;
            picked.Add(best);
            next = [best];
        }
        exactRows = ((VulkanBackend)model.Backend).LastExactRows;
        return [.. picked];
    }

    /// <summary>The full product and the screened one of random tokens, each into an output poisoned with NaN.</summary>
    static (float[] Full, float[] Screened, long Bytes, long WeightBytes) FullAndScreened(VulkanBackend backend, int tokens, int[] topK, int[][] alwaysExact)
    {
        using var weights = new RandomWeightFile(seed: 31);
        weights.AddDense("output.weight", GgmlType.F16, Rows, Cols, scale: 0.05f);
        var random = new Random(32);
        var x = Enumerable.Range(0, tokens * Cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var w = backend.UploadDense(weights.File, weights["output.weight"]);
        using var input = backend.AllocateActivations(tokens, Cols);
        using var output = backend.AllocateActivations(tokens, Rows);
        backend.Write(input, tokens, x);
        backend.BeginStep(new int[tokens], 0);
        var full = Run(backend, output, tokens, () => backend.DenseMatMul(w, input, output, tokens));
        long bytes = 0;
        var screened = Run(backend, output, tokens, () => bytes = backend.DenseMatMulTopRows(w, input, output, tokens, topK,
            [.. alwaysExact.Select(a => (ReadOnlyMemory<int>)a)]));
        return (full, screened, bytes, w.ByteSize);
    }

    static float[] Run(VulkanBackend backend, DeviceBuffer output, int tokens, Action product)
    {
        backend.Write(output, tokens, Enumerable.Repeat(float.NaN, tokens * output.Cols).ToArray());
        product();
        var values = new float[tokens * output.Cols];
        backend.Read(output, tokens, values);
        Assert.DoesNotContain(values, float.IsNaN);
        return values;
    }
}
