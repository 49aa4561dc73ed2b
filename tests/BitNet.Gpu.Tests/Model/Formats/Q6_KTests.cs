using System.Buffers.Binary;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class Q6_KTests
{
    [Fact]
    public void Dequantize_MatchesPerValueDerivation()
    {
        var random = new Random(12);
        const int blocks = 3;
        var data = FormatTestData.RandomBytes(random, 210 * blocks);
        var scales = FormatTestData.RandomScales(random, blocks);
        for (int b = 0; b < blocks; b++)
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(210 * b + 208), scales[b]);
        var values = FormatTestData.Poisoned(256 * blocks);

        Q6_K.Dequantize(data, values);

        for (int i = 0; i < values.Length; i++)
            Assert.Equal(ExpectedValue(data.AsSpan(210 * (i / 256), 210), i % 256), values[i]);
    }

    /// <summary>Value v of a block, read straight from the layout: ql[128], qh[64], scales[16], d.</summary>
    static float ExpectedValue(ReadOnlySpan<byte> block, int v)
    {
        int half = v / 128, group = v % 128 / 32, l = v % 32;
        byte lowByte = block[64 * half + l + 32 * (group % 2)];
        int low = group < 2 ? lowByte & 0xF : lowByte >> 4;
        int high = (block[128 + 32 * half + l] >> (2 * group)) & 3;
        int q = (low | high << 4) - 32;
        sbyte scale = (sbyte)block[192 + 8 * half + 2 * group + l / 16];
        float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block[208..]);
        return d * scale * q;
    }

    [Fact]
    public void Quantize_WritesBlocksThatDequantizeClose()
    {
        var random = new Random(13);
        var weights = FormatTestData.RandomFloats(random, 256 * 4, 0.02f);
        var data = FormatTestData.PoisonedBytes(210 * 4);

        Q6_K.Quantize(weights, data);
        var values = FormatTestData.Poisoned(weights.Length);
        Q6_K.Dequantize(data, values);

        Assert.InRange(FormatTestData.RelativeSquaredError(values, weights), 0, 1e-3);   // 6-bit codes: about 1/31 of a group's range per step
    }

    [Fact]
    public void WrongLengths_NameTheParameter()
    {
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => Q6_K.Dequantize(new byte[209], new float[256])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Q6_K.Quantize(new float[128], new byte[105])).ParamName);
    }
}
