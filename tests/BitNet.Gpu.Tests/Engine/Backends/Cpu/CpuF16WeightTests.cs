using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Engine.Checking;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Engine.Backends.Cpu;

/// <summary>
/// An F16 weight on the CPU backend is read in place from the mapped file until a product over every row needs it,
/// which copies it into large pages: the products before and after the copy are the same to the bit, the copy is made
/// once, and a top-k product alone does not make it.
/// </summary>
public sealed unsafe class CpuF16WeightTests
{
    const int Rows = 96, Cols = 64;

    [Fact]
    public void FullProduct_CopiesOnce_AndGivesTheSameBits()
    {
        using var file = new RandomWeightFile(seed: 5);
        string name = file.AddDense("output.weight", GgmlType.F16, Rows, Cols, scale: 0.1f);
        using var backend = new CpuBackend(threads: 2);
        using var weight = (CpuWeight)backend.UploadDense(file.File, file[name]);
        Assert.True(weight.F16 == file.File.GetTensorPointer(file[name]), "an F16 weight starts in the mapped file");

        var x = Enumerable.Range(0, Cols).Select(i => MathF.Sin(i)).ToArray();
        float[] Product() => Multiply(backend, weight, x, topK: 0);

        float[] topK = Multiply(backend, weight, x, topK: 3);
        Assert.True(weight.F16Mapping is not null, "a top-k product copied the matrix");
        float[] first = Product();
        Assert.True(weight.F16Mapping is null, "the full product did not copy the matrix out of the mapping");
        var copied = weight.F16;
        Assert.True(copied != file.File.GetTensorPointer(file[name]));
        float[] second = Product();
        Assert.True(weight.F16 == copied, "the matrix was copied twice");
        Assert.Equal(first, second);
        Assert.Equal(first.Max(), topK.Max());
    }

    static float[] Multiply(CpuBackend backend, CpuWeight weight, float[] x, int topK)
    {
        using var input = backend.AllocateActivations(1, Cols);
        using var output = backend.AllocateActivations(1, Rows);
        backend.Write(input, 1, x);
        backend.Write(output, 1, Enumerable.Repeat(float.NaN, Rows).ToArray());
        backend.BeginStep(StepTokens.Consecutive([0], 0));
        if (topK > 0) backend.DenseMatMulTop(weight, input, output, topK, []);
        else backend.DenseMatMul(weight, input, output, 1);
        var y = new float[Rows];
        backend.Read(output, 1, y);
        return y;
    }
}
