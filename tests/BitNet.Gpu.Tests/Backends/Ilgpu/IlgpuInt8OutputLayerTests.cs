using System.Runtime.InteropServices;
using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// The int8 output layer (<see cref="OutputLayerType.Int8"/>) on ILGPU's CPU accelerator, with warp-shuffle and
/// shared-memory row sums: the device's int8 codes and scales of weights and input equal a host quantization by the same
/// formula bit for bit, and each output equals the host's sum of the same integer dot products within float summation
/// rounding; against the F16 product it stays within <see cref="ToleranceAgainstF16"/>.
/// </summary>
public sealed class IlgpuInt8OutputLayerTests
{
    /// <summary>max |int8 − F16| / max |F16| on random weights and inputs with outliers (measured 2026-12-05: 0.69% and 0.77%).</summary>
    const double ToleranceAgainstF16 = 0.01;

    public static TheoryData<bool, int, int, int> Shapes() => new()
    {
        { false, 29, 2560, 3 },   // 160 chunks of sixteen codes: two steps of two per lane, then a tail of one
        { true, 29, 2560, 3 },
        { false, 37, 96, 1 },     // three blocks: lanes 0-5 take one chunk each, the rest none
        { true, 37, 96, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Int8Product_EqualsTheHostsIntegerArithmetic(bool portableReductions, int rows, int cols, int tokens)
    {
        var (weights, x) = RandomInputs(rows, cols, tokens);
        using var backend = IlgpuAccelerators.CreateCpuBackend(portableReductions, OutputLayerType.Int8);
        Assert.Contains("int8 output layer", backend.DeviceDescription);
        var y = Product(backend, rows, cols, tokens, x);

        var (weightCodes, weightScales) = backend.ReadInt8Weights(Upload(backend, rows, cols));
        var (inputCodes, inputScales) = backend.ReadInt8Input((long)tokens * cols);
        var (expectedWeightCodes, expectedWeightScales) = Q8Reference.Quantize(weights);
        var (expectedInputCodes, expectedInputScales) = Q8Reference.Quantize(x);
        Assert.Equal(expectedWeightCodes, MemoryMarshal.Cast<int, sbyte>(weightCodes).ToArray());
        Assert.Equal(expectedWeightScales, weightScales);
        Assert.Equal(expectedInputCodes, MemoryMarshal.Cast<int, sbyte>(inputCodes).ToArray());
        Assert.Equal(expectedInputScales, inputScales);

        Q8Reference.AssertSumsTheSameTerms(y, expectedWeightCodes, expectedWeightScales, expectedInputCodes, expectedInputScales, rows, cols, tokens);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Int8Product_StaysNearTheF16Product(bool portableReductions, int rows, int cols, int tokens)
    {
        var (_, x) = RandomInputs(rows, cols, tokens);
        using var exact = IlgpuAccelerators.CreateCpuBackend(portableReductions);
        using var int8 = IlgpuAccelerators.CreateCpuBackend(portableReductions, OutputLayerType.Int8);
        var expected = Product(exact, rows, cols, tokens, x);
        var actual = Product(int8, rows, cols, tokens, x);
        var (error, failure) = BackendCheck.Compare(expected, actual, ToleranceAgainstF16);
        Assert.True(failure is null, failure);
        Assert.True(error > 0, "the int8 product equals the F16 product exactly: it did not go through int8");
    }

    [Fact]
    public void StoredOutputLayer_IsTheDefault()
    {
        using var backend = IlgpuAccelerators.CreateCpuBackend();
        Assert.DoesNotContain("int8", backend.DeviceDescription);
    }

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
    static float[] Product(IlgpuBackend backend, int rows, int cols, int tokens, float[] x)
    {
        using var w = Upload(backend, rows, cols);
        using var input = backend.AllocateActivations(tokens, cols);
        using var output = backend.AllocateActivations(tokens, rows);
        backend.Write(input, tokens, x);
        backend.Write(output, tokens, Enumerable.Repeat(float.NaN, tokens * rows).ToArray());
        backend.BeginStep(new int[tokens], 0);
        backend.DenseMatMul(w, input, output, tokens);
        var y = new float[tokens * rows];
        backend.Read(output, tokens, y);
        return y;
    }
}
