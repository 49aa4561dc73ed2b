using System.Runtime.InteropServices;
using BitNet.Gpu.Backends.Vulkan;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Synthetic;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// The int8 output layer (<see cref="OutputLayerType.Int8"/>) on lavapipe: the device's int8 codes and scales of weights
/// and input equal a host quantization by the ILGPU backend's formula bit for bit (<see cref="Q8Reference"/>), each
/// output equals the host's sum of the same integer dot products within float summation rounding, and against the F16
/// product it stays within <see cref="ToleranceAgainstF16"/>; the embedding lookup still reads the F16 weights.
/// </summary>
public sealed class VulkanInt8OutputLayerTests
{
    /// <summary>max |int8 − F16| / max |F16|, as the ILGPU backend's test allows (its measured 0.69% and 0.77%).</summary>
    const double ToleranceAgainstF16 = 0.01;

    public static TheoryData<int, int, int, long, bool> Shapes() => new()
    {
        { 29, 2560, 3, 0, false },      // 160 chunks of sixteen codes per row: 64 lanes take two or three each
        { 29, 2560, 3, 0, true },       // the same with OpSDotKHR (q8_matmul_dot)
        { 37, 96, 1, 0, false },        // three blocks: lanes 0-5 take one chunk each, the rest none
        { 37, 96, 5, 4096, false },     // a tile of four tokens and one more; the matrix bound in two chunks of rows
    };

    [VulkanTheory]
    [MemberData(nameof(Shapes))]
    public void Int8Product_EqualsTheHostsIntegerArithmetic(int rows, int cols, int tokens, long maxBindingBytes, bool integerDot)
    {
        var (weights, x) = RandomInputs(rows, cols, tokens);
        using var backend = VulkanTestDevice.CreateBackend(maxBindingBytes, DotProduct(integerDot), outputType: OutputLayerType.Int8);
        Assert.Contains("int8 output layer", backend.DeviceDescription);
        Assert.Equal(integerDot, backend.UsesIntegerDotProduct);
        using var w = Upload(backend, rows, cols);
        var y = Product(backend, w, rows, cols, tokens, x);

        var (weightCodes, weightScales) = backend.ReadInt8Weights(w);
        var (inputCodes, inputScales) = backend.ReadInt8Input((long)tokens * cols);
        var (expectedWeightCodes, expectedWeightScales) = Q8Reference.Quantize(weights);
        var (expectedInputCodes, expectedInputScales) = Q8Reference.Quantize(x);
        Assert.Equal(expectedWeightCodes, weightCodes);
        Assert.Equal(expectedWeightScales, weightScales);
        Assert.Equal(expectedInputCodes, inputCodes);
        Assert.Equal(expectedInputScales, inputScales);

        Q8Reference.AssertSumsTheSameTerms(y, expectedWeightCodes, expectedWeightScales, expectedInputCodes, expectedInputScales, rows, cols, tokens);
    }

    [VulkanTheory]
    [MemberData(nameof(Shapes))]
    public void Int8Product_StaysNearTheF16Product(int rows, int cols, int tokens, long maxBindingBytes, bool integerDot)
    {
        var (_, x) = RandomInputs(rows, cols, tokens);
        using var exact = VulkanTestDevice.CreateBackend(maxBindingBytes);
        using var int8 = VulkanTestDevice.CreateBackend(maxBindingBytes, DotProduct(integerDot), outputType: OutputLayerType.Int8);
        using var exactWeights = Upload(exact, rows, cols);
        using var int8Weights = Upload(int8, rows, cols);
        var expected = Product(exact, exactWeights, rows, cols, tokens, x);
        var actual = Product(int8, int8Weights, rows, cols, tokens, x);
        var (error, failure) = BackendCheck.Compare(expected, actual, ToleranceAgainstF16);
        Assert.True(failure is null, failure);
        Assert.True(error > 0, "the int8 product equals the F16 product exactly: it did not go through int8");
    }

    /// <summary>A binding limit that splits the tokens into groups (4 + 1, each quantized on its own) gives every token the
    /// same floats as one group.</summary>
    [VulkanFact]
    public void Int8Product_InTokenGroups_EqualsOneGroup()
    {
        const int Rows = 37, Cols = 96, Tokens = 5;
        var (_, x) = RandomInputs(Rows, Cols, Tokens);
        using var whole = VulkanTestDevice.CreateBackend(outputType: OutputLayerType.Int8);
        using var split = VulkanTestDevice.CreateBackend(maxBindingBytes: 2048, outputType: OutputLayerType.Int8);
        using var wholeWeights = Upload(whole, Rows, Cols);
        using var splitWeights = Upload(split, Rows, Cols);
        var expected = Product(whole, wholeWeights, Rows, Cols, Tokens, x);
        var actual = Product(split, splitWeights, Rows, Cols, Tokens, x);
        Assert.True(split.LastSubmission.Commands > whole.LastSubmission.Commands + 1,
            $"{split.LastSubmission.Commands} commands with the lower limit, {whole.LastSubmission.Commands} without: nothing was split");
        Assert.Equal(expected, actual);
    }

    [VulkanFact]
    public void Embedding_StillReadsTheF16Weights()
    {
        const int Rows = 37, Cols = 96;
        var (weights, _) = RandomInputs(Rows, Cols, 1);
        using var backend = VulkanTestDevice.CreateBackend(outputType: OutputLayerType.Int8);
        using var w = Upload(backend, Rows, Cols);
        Product(backend, w, Rows, Cols, 1, new float[Cols]);   // makes the int8 copy
        int[] tokens = [5, 36];
        using var output = backend.AllocateActivations(tokens.Length, Cols);
        backend.BeginStep(tokens, 0);
        backend.Embed(w, output, tokens.Length);
        var rows = new float[tokens.Length * Cols];
        backend.Read(output, tokens.Length, rows);
        for (int i = 0; i < tokens.Length; i++)
            Assert.Equal(weights.AsSpan(tokens[i] * Cols, Cols).ToArray(), rows.AsSpan(i * Cols, Cols).ToArray());
    }

    /// <summary>Steps with the int8 output layer (a tiny model's tied F16 embedding) are recorded and replayed, and a
    /// replayed step gives the logits of the same step queued anew, bit for bit.</summary>
    [VulkanFact]
    public void ReplayedSteps_GiveTheLogitsOfStepsQueuedAnew()
    {
        var (replayed, replays) = Logits(replaySteps: true);
        var (queued, _) = Logits(replaySteps: false);
        Assert.True(replays > 0, "no step was replayed");
        Assert.Equal(queued, replayed);
    }

    static readonly Lazy<string> Model = new(() => SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S));

    /// <summary>The logits of five one-token steps after a prompt, with the int8 output layer, and how many steps replayed.</summary>
    static (float[] Logits, int Replays) Logits(bool replaySteps)
    {
        using var model = LoadedModel.Load(Model.Value, new LoadOptions
        {
            Backend = "vulkan", ContextLength = 32, BatchSize = 4, BackendOptions = new BackendOptions { OutputType = OutputLayerType.Int8 },
        }, VulkanTestDevice.Registry());
        var graph = model.Graph;
        graph.ReplaySteps = replaySteps;
        int vocab = graph.VocabSize;
        var logits = new float[6 * vocab];
        graph.Forward([3, 141, 59], logits.AsSpan(0, vocab));
        for (int step = 1; step < 6; step++) graph.Forward([(step * 97) % vocab], logits.AsSpan(step * vocab, vocab));
        return (logits, graph.ReplayedSteps);
    }

    [VulkanFact]
    public void StoredOutputLayer_IsTheDefault()
    {
        using var backend = VulkanTestDevice.CreateBackend();
        Assert.DoesNotContain("output layer", backend.DeviceDescription);
    }

    static IntegerDotProductUse DotProduct(bool integerDot) => integerDot ? IntegerDotProductUse.WhenSupported : IntegerDotProductUse.Never;

    static readonly Dictionary<(int, int), RandomWeightFile> Files = new();

    /// <summary>The F16 weights (as floats) and float inputs of one shape, the same on every call.</summary>
    static (float[] Weights, float[] X) RandomInputs(int rows, int cols, int tokens)
    {
        var file = WeightFile(rows, cols);
        var bits = MemoryMarshal.Cast<byte, Half>(file.File.GetTensorBytes(file["output.weight"]));
        var weights = new float[bits.Length];
        for (int i = 0; i < bits.Length; i++) weights[i] = (float)bits[i];
        var random = new Random(rows * 7 + cols);
        var x = new float[tokens * cols];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * (i % 97 == 0 ? 8 : 1);   // a few outliers
        return (weights, x);
    }

    static RandomWeightFile WeightFile(int rows, int cols)
    {
        lock (Files)
        {
            if (!Files.TryGetValue((rows, cols), out var file))
            {
                file = new RandomWeightFile(seed: rows + cols);
                file.AddDense("output.weight", GgmlType.F16, rows, cols, scale: 0.05f);
                Files[(rows, cols)] = file;
            }
            return file;
        }
    }

    static DeviceWeight Upload(IComputeBackend backend, int rows, int cols)
    {
        var file = WeightFile(rows, cols);
        return backend.UploadDense(file.File, file["output.weight"]);
    }

    /// <summary>y = w · x on <paramref name="backend"/>, into an output poisoned with NaN.</summary>
    static float[] Product(VulkanBackend backend, DeviceWeight w, int rows, int cols, int tokens, float[] x)
    {
        using var input = backend.AllocateActivations(tokens, cols);
        using var output = backend.AllocateActivations(tokens, rows);
        backend.Write(input, tokens, x);
        backend.Write(output, tokens, Enumerable.Repeat(float.NaN, tokens * rows).ToArray());
        backend.BeginStep(new int[tokens], 0);
        backend.DenseMatMul(w, input, output, tokens);
        var y = new float[tokens * rows];
        backend.Read(output, tokens, y);
        Assert.DoesNotContain(y, float.IsNaN);
        return y;
    }
}
