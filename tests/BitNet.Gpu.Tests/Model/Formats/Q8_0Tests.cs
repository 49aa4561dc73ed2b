using System.Buffers.Binary;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class Q8_0Tests
{
    [Fact]
    public void Dequantize_MatchesScalarDefinition()
    {
        var random = new Random(10);
        const int blocks = 5;
        var data = FormatTestData.RandomBytes(random, 34 * blocks);
        var scales = FormatTestData.RandomScales(random, blocks);
        for (int b = 0; b < blocks; b++)
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(34 * b), scales[b]);
        var values = FormatTestData.Poisoned(32 * blocks);

        Q8_0.Dequantize(data, values);

        for (int i = 0; i < values.Length; i++)
        {
            int b = i / 32;
            sbyte q = (sbyte)data[34 * b + 2 + i % 32];
            Assert.Equal(q * (float)scales[b], values[i]);
        }
    }

    [Fact]
    public void ToCodes_TimesBlockScales_IsTheDequantizedValueExactly()
    {
        var random = new Random(14);
        const int blocks = 5;
        var data = FormatTestData.RandomBytes(random, 34 * blocks);
        var scales = FormatTestData.RandomScales(random, blocks);
        for (int b = 0; b < blocks; b++)
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(34 * b), scales[b]);
        var values = new float[32 * blocks];
        Q8_0.Dequantize(data, values);

        var codes = new sbyte[32 * blocks];
        var blockScales = FormatTestData.Poisoned(blocks);
        Q8_0.ToCodes(data, codes, blockScales);
        for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], blockScales[i / 32] * codes[i]);
        Assert.Throws<ArgumentException>("codes", () => Q8_0.ToCodes(data, new sbyte[32 * blocks + 1], blockScales));
    }

    [Fact]
    public void Quantize_ScalesBy127AndRoundsHalvesAwayFromZero()
    {
        var weights = new float[32];
        weights[0] = 127f;      // d = 1
        weights[1] = 2.5f;      // -> 3
        weights[2] = -2.5f;     // -> -3
        weights[3] = 0.5f;      // -> 1
        weights[4] = 1.4999f;   // -> 1
        weights[5] = -127f;
        var block = FormatTestData.PoisonedBytes(34);

        Q8_0.Quantize(weights, block);

        Assert.Equal((Half)1f, BinaryPrimitives.ReadHalfLittleEndian(block));
        Assert.Equal(new sbyte[] { 127, 3, -3, 1, 1, -127, 0 }, block[2..9].Select(b => (sbyte)b));
    }

    [Fact]
    public void Quantize_OnRandomBlocks_FollowsTheRule()
    {
        var random = new Random(11);
        var weights = FormatTestData.RandomFloats(random, 32 * 6, 0.7f);
        var data = FormatTestData.PoisonedBytes(34 * 6);

        Q8_0.Quantize(weights, data);

        for (int b = 0; b < 6; b++)
        {
            var x = weights.AsSpan(32 * b, 32);
            float amax = 0;
            foreach (float v in x)
                amax = Math.Max(amax, Math.Abs(v));
            float d = amax / 127;
            Assert.Equal((Half)d, BinaryPrimitives.ReadHalfLittleEndian(data.AsSpan(34 * b)));
            for (int j = 0; j < 32; j++)
                Assert.Equal((sbyte)MathF.Round(x[j] * (1f / d), MidpointRounding.AwayFromZero), (sbyte)data[34 * b + 2 + j]);
        }
    }

    [Fact]
    public void WrongLengths_NameTheParameter()
    {
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => Q8_0.Dequantize(new byte[33], new float[32])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Q8_0.Dequantize(new byte[34], new float[31])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Q8_0.Quantize(new float[64], new byte[34])).ParamName);
    }
}
