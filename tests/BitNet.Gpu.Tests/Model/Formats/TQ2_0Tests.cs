using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class TQ2_0Tests
{
    [Fact]
    public void PackThenUnpack_GivesBackValuesAndScales()
    {
        var random = new Random(5);
        var ternary = FormatTestData.RandomTernary(random, 256 * 3);
        var scales = FormatTestData.RandomScales(random, 3);
        var packed = FormatTestData.PoisonedBytes(66 * 3);

        TQ2_0.Pack(ternary, scales, packed);
        var values = FormatTestData.PoisonedTernary(ternary.Length);
        var readScales = new Half[3];
        TQ2_0.Unpack(packed, values, readScales);

        Assert.Equal(ternary, values);
        Assert.Equal(scales, readScales);
    }

    [Fact]
    public void Pack_PutsValueC128PlusL32PlusMAtQsC32PlusMShift2L()
    {
        var ternary = new sbyte[256];                  // zeros: code 1 in every 2-bit field, 0x55 a byte
        ternary[1 * 128 + 3 * 32 + 7] = 1;             // qs[39], bits 6..7 = code 2
        ternary[0 * 128 + 1 * 32 + 0] = -1;            // qs[0], bits 2..3 = code 0
        var packed = FormatTestData.PoisonedBytes(66);

        TQ2_0.Pack(ternary, [(Half)0.5f], packed);

        var expected = Enumerable.Repeat((byte)0x55, 64).ToArray();
        expected[39] = 0x95;
        expected[0] = 0x51;
        Assert.Equal(expected, packed[..64]);
        Assert.Equal(new byte[] { 0x00, 0x38 }, packed[64..]);   // f16 0.5 little-endian
    }

    [Fact]
    public void Quantize_RoundsHalvesAwayFromZero()
    {
        var weights = new float[256];
        weights[0] = 2f;        // d = max|x| = 2, 1/d = 0.5
        weights[1] = 1f;        // 0.5   -> 1 (half-to-even would give 0)
        weights[2] = -1f;       // -0.5  -> -1
        weights[3] = 0.99f;     // 0.495 -> 0
        weights[4] = -2f;       // -1
        weights[5] = 1.02f;     // 0.51  -> 1
        var packed = FormatTestData.PoisonedBytes(66);

        TQ2_0.Quantize(weights, packed);

        var ternary = new sbyte[256];
        var scales = new Half[1];
        TQ2_0.Unpack(packed, ternary, scales);
        Assert.Equal(new sbyte[] { 1, 1, -1, 0, -1, 1 }, ternary[..6]);
        Assert.All(ternary[6..], t => Assert.Equal(0, t));
        Assert.Equal((Half)2f, scales[0]);
    }

    [Fact]
    public void Quantize_OnRandomBlocks_FollowsTheBlockRule()
    {
        var random = new Random(6);
        var weights = FormatTestData.RandomFloats(random, 256 * 4, 3f);
        var packed = FormatTestData.PoisonedBytes(66 * 4);

        TQ2_0.Quantize(weights, packed);

        var ternary = new sbyte[weights.Length];
        var scales = new Half[4];
        TQ2_0.Unpack(packed, ternary, scales);
        for (int b = 0; b < 4; b++)
        {
            var block = weights.AsSpan(256 * b, 256);
            float amax = 0;
            foreach (float x in block)
                amax = Math.Max(amax, Math.Abs(x));
            Assert.Equal((Half)amax, scales[b]);
            for (int i = 0; i < 256; i++)
                Assert.Equal((sbyte)MathF.Round(block[i] * (1f / amax), MidpointRounding.AwayFromZero), ternary[256 * b + i]);
        }
    }

    [Fact]
    public void Dequantize_IsTernaryTimesBlockScale()
    {
        var random = new Random(7);
        var ternary = FormatTestData.RandomTernary(random, 512);
        var scales = FormatTestData.RandomScales(random, 2);
        var packed = new byte[132];
        TQ2_0.Pack(ternary, scales, packed);
        var values = FormatTestData.Poisoned(512);

        TQ2_0.Dequantize(packed, values);

        Assert.Equal(ternary.Select((t, i) => t * (float)scales[i / 256]), values);
    }

    [Fact]
    public void Unpack_RejectsCode3()
    {
        var packed = new byte[66];
        TQ2_0.Pack(new sbyte[256], [(Half)1], packed);
        packed[40] = 0xFF;
        var e = Assert.Throws<ModelFormatException>(() => TQ2_0.Unpack(packed, new sbyte[256], new Half[1]));
        Assert.Equal(40, e.Offset);
    }

    [Fact]
    public void WrongLengths_NameTheParameter()
    {
        Assert.Equal("ternary", Assert.Throws<ArgumentException>(() => TQ2_0.Pack(new sbyte[255], new Half[1], new byte[66])).ParamName);
        Assert.Equal("blockScales", Assert.Throws<ArgumentException>(() => TQ2_0.Pack(new sbyte[256], new Half[2], new byte[66])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => TQ2_0.Pack(new sbyte[256], new Half[1], new byte[67])).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => TQ2_0.Unpack(new byte[65], new sbyte[256], new Half[1])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => TQ2_0.Quantize(new float[300], new byte[66])).ParamName);
    }
}
