using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>The reference backend on cases small enough to work out by hand: the oracle is itself checked.</summary>
public class ReferenceBackendTests
{
    readonly IComputeBackend _b = new ReferenceBackend();

    DeviceBuffer Input(int rows, int cols, float[] values)
    {
        var buffer = _b.AllocateActivations(rows, cols);
        _b.Write(buffer, rows, values);
        return buffer;
    }

    float[] Read(DeviceBuffer buffer, int rows)
    {
        var values = new float[rows * buffer.Cols];
        _b.Read(buffer, rows, values);
        return values;
    }

    [Fact]
    public void TernaryProductOfHandBuiltRows()
    {
        // Row 0: all +1. Row 1: +1, -1 alternating. Row 2: 0 except the first value -1. Scale 0.5.
        var ternary = new sbyte[3 * 128];
        for (int c = 0; c < 128; c++)
        {
            ternary[c] = 1;
            ternary[128 + c] = (sbyte)(c % 2 == 0 ? 1 : -1);
        }
        ternary[256] = -1;
        var bytes = new byte[TensorSizes.ByteSize(GgmlType.I2_S, ternary.Length)];
        I2S.Pack(ternary, 0.5f, bytes);
        using var dir = new TempDirectory();
        var writer = new GgufWriter();
        writer.AddTensor("w", GgmlType.I2_S, [128, 3], bytes);
        writer.Write(dir.File("w.gguf"));
        using var file = GgufFile.Open(dir.File("w.gguf"));

        // x = 1, 2, 1, 2, ...: max 2 → scale 63.5 → q = 64 (63.5 rounds to even 64), 127.
        var x = Enumerable.Range(0, 128).Select(i => i % 2 == 0 ? 1f : 2f).ToArray();
        using var w = _b.UploadTernary(file, file.GetTensor("w"));
        using var input = Input(1, 128, x);
        using var q = _b.AllocateQuantized(1, 128);
        using var y = _b.AllocateActivations(1, 3);
        _b.BeginStep([0], 0);
        _b.QuantizeActivations(input, q, 1);
        _b.TernaryMatMul(w, q, y, 1);
        var result = Read(y, 1);
        // Row 0: 64·(64 + 127) / 63.5 · 0.5; row 1: 64·(64 - 127) / 63.5 · 0.5; row 2: -64 / 63.5 · 0.5.
        Assert.Equal(64 * (64 + 127) / 63.5 * 0.5, result[0], 4);
        Assert.Equal(64 * (64 - 127) / 63.5 * 0.5, result[1], 4);
        Assert.Equal(-64 / 63.5 * 0.5, result[2], 5);
    }

    [Fact]
    public void RopeRotatesByPositionTimesFrequency()
    {
        // One head of 4 values, NEOX pairs (0,2) and (1,3); θ_0 = p, θ_1 = p · base^(-1/2) = p / 100 for base 10000.
        using var x = Input(2, 4, [1, 1, 0, 0, 1, 1, 0, 0]);
        _b.BeginStep([0, 0], 3);
        _b.Rope(x, 2, heads: 1, headDim: 4, ropeDims: 4, freqBase: 10000f, RopeStyle.Neox);
        var r = Read(x, 2);
        Assert.Equal(Math.Cos(3), r[0], 5);
        Assert.Equal(Math.Sin(3), r[2], 5);
        Assert.Equal(Math.Cos(0.03), r[1], 5);
        Assert.Equal(Math.Sin(0.03), r[3], 5);
        Assert.Equal(Math.Cos(4), r[4], 5); // second token: position 4
    }

    [Fact]
    public void AttentionOverOnePositionReturnsItsValue()
    {
        using var cache = _b.AllocateKvCache(1, 4, 1, 2, KvCacheType.F32);
        using var q = Input(1, 4, [1, 2, 3, 4]);
        using var k = Input(1, 2, [5, 6]);
        using var v = Input(1, 2, [7, -8]);
        using var output = Input(1, 4, [float.NaN, float.NaN, float.NaN, float.NaN]);
        _b.BeginStep([0], 0);
        _b.Attention(q, k, v, cache, 0, output, 1, heads: 2, keyValueHeads: 1, headDim: 2);
        Assert.Equal(new float[] { 7, -8, 7, -8 }, Read(output, 1));
    }

    [Fact]
    public void RmsNormOfThreeFour()
    {
        using var dir = new TempDirectory();
        var writer = new GgufWriter();
        writer.AddTensor("n", GgmlType.F32, [2], new byte[] { 0, 0, 128, 63, 0, 0, 0, 64 }); // [1, 2]
        writer.Write(dir.File("n.gguf"));
        using var file = GgufFile.Open(dir.File("n.gguf"));
        using var w = _b.UploadVector(file, file.GetTensor("n"));
        using var x = Input(1, 2, [3, 4]);
        _b.BeginStep([0], 0);
        _b.RmsNorm(x, w, x, 1, 0f);
        var r = Read(x, 1);
        double rms = Math.Sqrt(12.5);
        Assert.Equal(3 / rms, r[0], 5);
        Assert.Equal(2 * 4 / rms, r[1], 5);
    }
}
