using System.Buffers.Binary;
using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class I2STests
{
    [Fact]
    public void PackThenUnpack_GivesBackValuesAndScale()
    {
        var random = new Random(1);
        var ternary = FormatTestData.RandomTernary(random, 128 * 7);
        float scale = 0.0371f;
        var packed = FormatTestData.PoisonedBytes(128 * 7 / 4 + 32);

        I2S.Pack(ternary, scale, packed);
        var unpacked = FormatTestData.PoisonedTernary(ternary.Length);
        float readScale = I2S.Unpack(packed, unpacked);

        Assert.Equal(ternary, unpacked);
        Assert.Equal(BitConverter.SingleToInt32Bits(scale), BitConverter.SingleToInt32Bits(readScale));
        Assert.All(packed[(128 * 7 / 4 + 4)..], b => Assert.Equal(0, b));   // padding after the scale is zero
    }

    [Fact]
    public void Pack_PutsValueJPlus32GAtByteJShift6Minus2G()
    {
        // Two blocks of zeros (code 1 everywhere: 0b01_01_01_01) with two values changed.
        var ternary = new sbyte[256];
        ternary[3] = -1;                // block 0, j = 3, g = 0 -> byte 3, bits 6..7 = code 0
        ternary[128 + 5 + 32 * 2] = 1;  // block 1, j = 5, g = 2 -> byte 32 + 5, bits 2..3 = code 2
        var packed = FormatTestData.PoisonedBytes(96);

        I2S.Pack(ternary, 0.75f, packed);

        var expected = Enumerable.Repeat((byte)0x55, 64).ToArray();
        expected[3] = 0x15;
        expected[37] = 0x59;
        Assert.Equal(expected, packed[..64]);
        Assert.Equal(new byte[] { 0x00, 0x00, 0x40, 0x3F }, packed[64..68]);   // 0.75f little-endian
    }

    [Fact]
    public void Unpack_RejectsCode3WithItsOffset()
    {
        var packed = new byte[64];
        I2S.Pack(new sbyte[128], 1f, packed);
        packed[17] = 0xC0 | 0x15;   // bits 6..7 = 3

        var e = Assert.Throws<ModelFormatException>(() => I2S.Unpack(packed, new sbyte[128]));
        Assert.Equal(17, e.Offset);
    }

    [Fact]
    public void Pack_RejectsNonTernaryValues()
    {
        var ternary = new sbyte[128];
        ternary[9] = 2;
        var e = Assert.Throws<ArgumentException>(() => I2S.Pack(ternary, 1f, new byte[64]));
        Assert.Equal("ternary", e.ParamName);
        Assert.Contains("[9]", e.Message);
    }

    [Fact]
    public void Quantize_TakesScaleFromMaxAndCodeFromSign()
    {
        var random = new Random(2);
        float s = 0.0123f;
        var ternary = FormatTestData.RandomTernary(random, 384);
        var weights = ternary.Select(t => t * s).ToArray();
        weights[10] = 5e-7f;                            // |w| < 1e-6 counts as zero
        weights[11] = -5e-7f;
        weights[12] = 1e-6f;                            // the float nearest 1e-6 lies below it: zero
        weights[13] = MathF.BitIncrement(1e-6f);        // the next float up is above: +1
        ternary[10] = ternary[11] = ternary[12] = 0;
        ternary[13] = 1;
        var quantized = FormatTestData.PoisonedBytes(384 / 4 + 32);

        I2S.Quantize(weights, quantized);

        var packed = new byte[quantized.Length];
        I2S.Pack(ternary, weights.Max(MathF.Abs), packed);
        Assert.Equal(packed, quantized);
        Assert.Equal(s, BinaryPrimitives.ReadSingleLittleEndian(quantized.AsSpan(96)));
    }

    [Fact]
    public void Dequantize_IsTernaryTimesScale()
    {
        var random = new Random(3);
        var ternary = FormatTestData.RandomTernary(random, 256);
        var packed = new byte[96];
        I2S.Pack(ternary, -2.5f, packed);
        var values = FormatTestData.Poisoned(256);

        I2S.Dequantize(packed, values);

        Assert.Equal(ternary.Select(t => t * -2.5f), values);
    }

    [Fact]
    public void WrongLengths_NameTheParameterAndBothLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => I2S.Pack(new sbyte[128], 1f, new byte[63]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("63", e.Message);
        Assert.Contains("64", e.Message);

        e = Assert.Throws<ArgumentException>(() => I2S.Unpack(new byte[64], new sbyte[100]));
        Assert.Equal("ternary", e.ParamName);
        Assert.Contains("128", e.Message);

        e = Assert.Throws<ArgumentException>(() => I2S.Quantize(new float[256], new byte[64]));
        Assert.Equal("destination", e.ParamName);
    }

    [Fact]
    public void Quantize_RejectsNonFiniteWeights()
    {
        var weights = new float[128];
        weights[5] = float.NaN;
        Assert.Throws<ArgumentException>(() => I2S.Quantize(weights, new byte[64]));
    }
}
