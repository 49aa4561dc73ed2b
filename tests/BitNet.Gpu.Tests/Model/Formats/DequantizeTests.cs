using System.Buffers.Binary;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class DequantizeTests
{
    [Fact]
    public void F32_IsCopied()
    {
        var random = new Random(14);
        var expected = FormatTestData.RandomFloats(random, 37);
        var bytes = new byte[37 * 4];
        for (int i = 0; i < 37; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), expected[i]);
        var values = FormatTestData.Poisoned(37);

        Dequantize.ToFloat(GgmlType.F32, bytes, values);

        Assert.Equal(expected, values);
    }

    [Fact]
    public void BF16_IsTheUpperHalfOfAFloat()
    {
        var random = new Random(15);
        var bytes = FormatTestData.RandomBytes(random, 2 * 40);
        var values = FormatTestData.Poisoned(40);

        Dequantize.ToFloat(GgmlType.BF16, bytes, values);

        for (int i = 0; i < 40; i++)
            Assert.Equal((uint)(bytes[2 * i] | bytes[2 * i + 1] << 8) << 16, BitConverter.SingleToUInt32Bits(values[i]));
    }

    [Fact]
    public void F16_IsHalfToFloat()
    {
        var random = new Random(16);
        var halves = FormatTestData.RandomScales(random, 33);
        var bytes = new byte[66];
        for (int i = 0; i < 33; i++)
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), halves[i]);
        var values = FormatTestData.Poisoned(33);

        Dequantize.ToFloat(GgmlType.F16, bytes, values);

        Assert.Equal(halves.Select(h => (float)h), values);
    }

    [Theory]
    [InlineData(GgmlType.TQ1_0)]
    [InlineData(GgmlType.TQ2_0)]
    [InlineData(GgmlType.I2_S)]
    public void Ternary_IsValueTimesScale(GgmlType type)
    {
        var random = new Random(17);
        var ternary = FormatTestData.RandomTernary(random, 512);
        var scales = FormatTestData.RandomScales(random, 2);
        var bytes = new byte[TensorSizes.ByteSize(type, 512)];
        float[] expected;
        switch (type)
        {
            case GgmlType.TQ1_0:
                TQ1_0.Pack(ternary, scales, bytes);
                expected = ternary.Select((t, i) => t * (float)scales[i / 256]).ToArray();
                break;
            case GgmlType.TQ2_0:
                TQ2_0.Pack(ternary, scales, bytes);
                expected = ternary.Select((t, i) => t * (float)scales[i / 256]).ToArray();
                break;
            default:
                I2S.Pack(ternary, 0.3f, bytes);
                expected = ternary.Select(t => t * 0.3f).ToArray();
                break;
        }
        var values = FormatTestData.Poisoned(512);

        Dequantize.ToFloat(type, bytes, values);

        Assert.Equal(expected, values);
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 64)]
    [InlineData(GgmlType.Q6_K, 256)]
    [InlineData(GgmlType.Q4_K, 512)]
    public void BlockFormats_DispatchToTheirDequantizer(GgmlType type, int count)
    {
        var random = new Random(18);
        var weights = FormatTestData.RandomFloats(random, count);
        var bytes = new byte[TensorSizes.ByteSize(type, count)];
        var expected = new float[count];
        switch (type)
        {
            case GgmlType.Q8_0: Q8_0.Quantize(weights, bytes); Q8_0.Dequantize(bytes, expected); break;
            case GgmlType.Q6_K: Q6_K.Quantize(weights, bytes); Q6_K.Dequantize(bytes, expected); break;
            case GgmlType.Q4_K: Q4_K.Quantize(weights, bytes); Q4_K.Dequantize(bytes, expected); break;
        }
        var values = FormatTestData.Poisoned(count);

        Dequantize.ToFloat(type, bytes, values);

        Assert.Equal(expected, values);
    }

    [Fact]
    public void WrongSourceLength_NamesTheParameter()
    {
        var e = Assert.Throws<ArgumentException>(() => Dequantize.ToFloat(GgmlType.Q8_0, new byte[35], new float[32]));
        Assert.Equal("source", e.ParamName);
        Assert.Contains("34", e.Message);
    }

    [Fact]
    public void UnsupportedType_IsNamed()
    {
        var e = Assert.Throws<NotSupportedException>(() => Dequantize.ToFloat(GgmlType.Q4_0, new byte[18], new float[32]));
        Assert.Contains("Q4_0", e.Message);
    }
}
