using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class TQ1_0Tests
{
    [Fact]
    public void PackThenUnpack_GivesBackValuesAndScales()
    {
        var random = new Random(8);
        var ternary = FormatTestData.RandomTernary(random, 256 * 5);
        var scales = FormatTestData.RandomScales(random, 5);
        var packed = FormatTestData.PoisonedBytes(54 * 5);

        TQ1_0.Pack(ternary, scales, packed);
        var values = FormatTestData.PoisonedTernary(ternary.Length);
        var readScales = new Half[5];
        TQ1_0.Unpack(packed, values, readScales);

        Assert.Equal(ternary, values);
        Assert.Equal(scales, readScales);
    }

    [Fact]
    public void EveryFiveTritNumber_SurvivesTheFixedPointEncoding()
    {
        for (int number = 0; number < 243; number++)
        {
            byte packed = (byte)((number * 256 + 242) / 243);   // ⌈number · 256 / 243⌉
            for (int n = 0; n < 5; n++)
            {
                int digit = number / (int)Math.Pow(3, 4 - n) % 3;   // most significant first
                Assert.Equal(digit, TQ1_0.Trit(packed, n));
            }
        }
    }

    [Fact]
    public void Pack_WritesHandComputedBytes()
    {
        var ternary = new sbyte[256];
        ternary[0] = 1;                 // qs[0] trit 0 (weight 81): digits 2,1,1,1,1 = 202 -> ⌈202·256/243⌉ = 213
        ternary[160 + 4 * 16 + 3] = -1; // qs[35] trit 4 (weight 1): digits 1,1,1,1,0 = 120 -> 127
        ternary[240 + 3 * 4 + 2] = -1;  // qh[2] = byte 50, trit 3 (weight 3): digits 1,1,1,0 = 117 -> 124
        var packed = FormatTestData.PoisonedBytes(54);

        TQ1_0.Pack(ternary, [(Half)(-3f)], packed);

        var expected = new byte[54];
        Array.Fill(expected, (byte)128, 0, 48);   // all zeros: 1,1,1,1,1 = 121 -> ⌈121·256/243⌉ = 128
        Array.Fill(expected, (byte)127, 48, 4);   // qh: 1,1,1,1 = 120 -> 127
        expected[0] = 213;
        expected[35] = 127;
        expected[50] = 124;
        expected[52] = 0x00;                      // f16 -3 = 0xC200
        expected[53] = 0xC2;
        Assert.Equal(expected, packed);
    }

    [Fact]
    public void Quantize_RoundsHalvesAwayFromZero()
    {
        var weights = new float[512];
        weights[300] = -4f;     // block 1: d = 4, 1/d = 0.25
        weights[301] = 2f;      // 0.5  -> 1
        weights[302] = -2f;     // -0.5 -> -1
        weights[303] = 1.9f;    // 0.475 -> 0
        weights[511] = 3f;      // 0.75 -> 1 (last value, stored in qh)
        var packed = FormatTestData.PoisonedBytes(108);

        TQ1_0.Quantize(weights, packed);

        var ternary = new sbyte[512];
        var scales = new Half[2];
        TQ1_0.Unpack(packed, ternary, scales);
        Assert.All(ternary[..256], t => Assert.Equal(0, t));   // an all-zero block: d = 0, t = 0
        Assert.Equal(new sbyte[] { -1, 1, -1, 0 }, ternary[300..304]);
        Assert.Equal(1, ternary[511]);
        Assert.Equal(new[] { (Half)0f, (Half)4f }, scales);
    }

    [Fact]
    public void Dequantize_IsTernaryTimesBlockScale()
    {
        var random = new Random(9);
        var ternary = FormatTestData.RandomTernary(random, 512);
        var scales = FormatTestData.RandomScales(random, 2);
        var packed = new byte[108];
        TQ1_0.Pack(ternary, scales, packed);
        var values = FormatTestData.Poisoned(512);

        TQ1_0.Dequantize(packed, values);

        Assert.Equal(ternary.Select((t, i) => t * (float)scales[i / 256]), values);
    }

    [Fact]
    public void WrongLengths_NameTheParameter()
    {
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => TQ1_0.Pack(new sbyte[256], new Half[1], new byte[66])).ParamName);
        Assert.Equal("blockScales", Assert.Throws<ArgumentException>(() => TQ1_0.Unpack(new byte[54], new sbyte[256], new Half[0])).ParamName);
        Assert.Equal("ternary", Assert.Throws<ArgumentException>(() => TQ1_0.Unpack(new byte[54], new sbyte[250], new Half[1])).ParamName);
    }
}
