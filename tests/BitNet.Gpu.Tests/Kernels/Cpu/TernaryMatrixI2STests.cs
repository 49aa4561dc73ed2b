using BitNet.Gpu.Kernels.Cpu;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

/// <summary>The direct I2_S repack gives exactly the matrix that unpacking to values and packing them gives.</summary>
public class TernaryMatrixI2STests
{
    [Theory]
    [InlineData(1, 128)]
    [InlineData(7, 256)]
    [InlineData(13, 384)]
    [InlineData(33, 2560)]
    [InlineData(5, 6912)]
    public void FromI2S_MatchesUnpackThenPack(int rows, int cols)
    {
        var random = new Random(rows * 7919 + cols);
        var values = new sbyte[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = (sbyte)random.Next(-1, 2);
        var bytes = new byte[rows * cols / 4 + I2S.TrailerBytes];
        I2S.Pack(values, 0.75f, bytes);

        using var expected = TernaryMatrix.FromTernary(values, rows, cols, [0.75f], cols);
        using var actual = TernaryMatrix.FromI2S(bytes.AsSpan(0, rows * cols / 4), rows, cols, 0.75f, out long invalid)!;

        Assert.Equal(-1, invalid);
        for (int row = 0; row < rows; row++)
        {
            Assert.Equal(expected.GetScale(row, 0), actual.GetScale(row, 0));
            for (int col = 0; col < cols; col++)
                Assert.Equal(values[row * cols + col], actual.GetValue(row, col));
        }
        // Padding rows of the last group too: the whole packed stream is equal.
        unsafe
        {
            Assert.True(new ReadOnlySpan<byte>(expected.Packed, (int)expected.PackedBytes)
                .SequenceEqual(new ReadOnlySpan<byte>(actual.Packed, (int)actual.PackedBytes)));
        }
    }

    [Fact]
    public void FromI2S_ReportsTheFirstInvalidCode()
    {
        const int rows = 3, cols = 256;
        var bytes = new byte[rows * cols / 4];
        Array.Fill(bytes, (byte)0b01_01_01_01);
        bytes[77] = 0b01_11_01_01;
        bytes[100] = 0b11_01_01_01;
        Assert.Null(TernaryMatrix.FromI2S(bytes, rows, cols, 1f, out long invalid));
        Assert.Equal(77, invalid);
    }
}
