using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class TernaryValuesTests
{
    [Fact]
    public void I2S_HasOneScaleForTheWholeTensor()
    {
        var random = new Random(19);
        var ternary = FormatTestData.RandomTernary(random, 384);
        var bytes = new byte[384 / 4 + 32];
        I2S.Pack(ternary, 0.042f, bytes);

        var (values, scales, blockSize) = TernaryValues.Unpack(GgmlType.I2_S, bytes, 384);

        Assert.Equal(ternary, values);
        Assert.Equal([0.042f], scales);
        Assert.Equal(384, blockSize);
    }

    [Theory]
    [InlineData(GgmlType.TQ1_0)]
    [InlineData(GgmlType.TQ2_0)]
    public void TQ_HasOneScalePer256Values(GgmlType type)
    {
        var random = new Random(20);
        var ternary = FormatTestData.RandomTernary(random, 768);
        var halves = FormatTestData.RandomScales(random, 3);
        var bytes = new byte[TensorSizes.ByteSize(type, 768)];
        if (type == GgmlType.TQ1_0)
            TQ1_0.Pack(ternary, halves, bytes);
        else
            TQ2_0.Pack(ternary, halves, bytes);

        var (values, scales, blockSize) = TernaryValues.Unpack(type, bytes, 768);

        Assert.Equal(ternary, values);
        Assert.Equal(halves.Select(h => (float)h), scales);
        Assert.Equal(256, blockSize);
    }

    [Fact]
    public void RejectsNonTernaryTypesAndWrongSizes()
    {
        Assert.Equal("type", Assert.Throws<ArgumentException>(() => TernaryValues.Unpack(GgmlType.F16, new byte[4], 2)).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => TernaryValues.Unpack(GgmlType.TQ2_0, new byte[65], 256)).ParamName);
        Assert.Throws<ArgumentException>(() => TernaryValues.Unpack(GgmlType.I2_S, new byte[64], 100));
    }
}
