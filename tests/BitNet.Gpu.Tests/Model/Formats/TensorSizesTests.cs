using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class TensorSizesTests
{
    [Theory]
    [InlineData(GgmlType.F32, 10L, 40L)]
    [InlineData(GgmlType.F16, 3L, 6L)]
    [InlineData(GgmlType.BF16, 5L, 10L)]
    [InlineData(GgmlType.Q4_0, 64L, 36L)]
    [InlineData(GgmlType.Q8_0, 64L, 68L)]
    [InlineData(GgmlType.Q6_K, 512L, 420L)]
    [InlineData(GgmlType.Q4_K, 512L, 288L)]
    [InlineData(GgmlType.TQ1_0, 256L, 54L)]
    [InlineData(GgmlType.TQ2_0, 512L, 132L)]
    [InlineData(GgmlType.I2_S, 256L, 96L)]                    // 64 code bytes + 32-byte scale trailer
    [InlineData(GgmlType.I2_S, 2560L * 6912, 2560L * 6912 / 4 + 32)]
    public void ByteSize_FollowsTheBlockLayout(GgmlType type, long count, long expected)
    {
        Assert.Equal(expected, TensorSizes.ByteSize(type, count));
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 33L)]
    [InlineData(GgmlType.Q6_K, 128L)]
    [InlineData(GgmlType.Q4_K, 384L)]
    [InlineData(GgmlType.TQ2_0, 300L)]
    [InlineData(GgmlType.TQ1_0, 255L)]
    [InlineData(GgmlType.I2_S, 64L)]
    public void ByteSize_RejectsPartialBlocks(GgmlType type, long count)
    {
        var e = Assert.Throws<ArgumentException>(() => TensorSizes.ByteSize(type, count));
        Assert.Equal("elementCount", e.ParamName);
        Assert.Contains(type.ToString(), e.Message);
    }

    [Theory]
    [InlineData(GgmlType.F32, long.MaxValue / 2)]
    [InlineData(GgmlType.Q8_0, long.MaxValue / 32 * 32)]
    [InlineData(GgmlType.BF16, long.MaxValue / 2 + 1)]
    public void ByteSize_ReportsOverflow(GgmlType type, long count)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TensorSizes.ByteSize(type, count));
        Assert.Equal("elementCount", e.ParamName);
        Assert.Contains(type.ToString(), e.Message);
    }

    [Fact]
    public void ByteSize_RejectsNegativeCounts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorSizes.ByteSize(GgmlType.F32, -1));
    }

    [Fact]
    public void UnknownType_IsNamedByItsId()
    {
        var e = Assert.Throws<ArgumentException>(() => TensorSizes.ByteSize((GgmlType)99, 32));
        Assert.Contains("99", e.Message);
        Assert.Throws<ArgumentException>(() => TensorSizes.ValuesPerBlock((GgmlType)12345));
        Assert.False(TensorSizes.IsKnown((GgmlType)99));
    }

    [Fact]
    public void IsTernary_IsTrueOnlyForTheTernaryFormats()
    {
        var ternary = Enum.GetValues<GgmlType>().Where(TensorSizes.IsTernary).ToArray();
        Assert.Equal([GgmlType.TQ1_0, GgmlType.TQ2_0, GgmlType.I2_S], ternary);
    }
}
