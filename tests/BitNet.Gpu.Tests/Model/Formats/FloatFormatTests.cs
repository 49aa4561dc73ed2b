using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class FloatFormatTests
{
    [Theory]
    [InlineData(0x3F800000u, 0x3F80)]   // 1
    [InlineData(0x3F808000u, 0x3F80)]   // tie, lower half even: stays
    [InlineData(0x3F818000u, 0x3F82)]   // tie, lower half odd: rounds up to even
    [InlineData(0x3F808001u, 0x3F81)]   // just above the tie
    [InlineData(0x3F80FFFFu, 0x3F81)]
    [InlineData(0x80018000u, 0x8002)]   // negative tie
    [InlineData(0x00000001u, 0x0000)]   // smallest subnormal rounds to zero
    [InlineData(0x7F7FFFFFu, 0x7F80)]   // largest float rounds up to +Inf
    [InlineData(0xFF800000u, 0xFF80)]   // -Inf
    [InlineData(0x7F800001u, 0x7FC0)]   // signalling NaN becomes quiet
    [InlineData(0xFFC12345u, 0xFFC1)]   // NaN keeps its sign and top payload
    public void BF16_FromFloat_RoundsToNearestEven(uint floatBits, int expected)
    {
        Assert.Equal((ushort)expected, BF16.FromFloat(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Fact]
    public void BF16_EveryNonNaNValue_RoundTripsExactly()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            float value = BF16.ToFloat((ushort)bits);
            Assert.Equal((uint)bits << 16, BitConverter.SingleToUInt32Bits(value));
            if (!float.IsNaN(value))
                Assert.Equal(bits, BF16.FromFloat(value));
        }
    }

    [Theory]
    [InlineData(1.00048828125f, 0x3C00)]   // 1 + 2^-11: tie, rounds to even 1
    [InlineData(1.00146484375f, 0x3C02)]   // 1 + 3·2^-11: tie, rounds up to even
    [InlineData(65519.99f, 0x7BFF)]        // below the tie with Inf: 65504
    [InlineData(65520f, 0x7C00)]           // tie between 65504 and 65536 -> Inf (even)
    [InlineData(2.98023224e-8f, 0x0000)]   // 2^-25: half the smallest subnormal, tie to 0
    [InlineData(4.47034836e-8f, 0x0001)]   // 1.5·2^-25 -> 2^-24
    [InlineData(float.NegativeInfinity, 0xFC00)]
    public void F16_FromFloat_RoundsToNearestEven(float value, int expectedBits)
    {
        Assert.Equal((ushort)expectedBits, BitConverter.HalfToUInt16Bits(F16.FromFloat(value)));
    }

    [Fact]
    public void F16_NaNStaysNaN()
    {
        Assert.True(Half.IsNaN(F16.FromFloat(float.NaN)));
        Assert.True(float.IsNaN(F16.ToFloat(BitConverter.UInt16BitsToHalf(0x7E00))));
    }

    [Fact]
    public void F16_EveryNonNaNValue_RoundTripsThroughTheSpanForms()
    {
        var bytes = new byte[2 * 65536];
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            bytes[2 * bits] = (byte)bits;
            bytes[2 * bits + 1] = (byte)(bits >> 8);
        }
        var floats = FormatTestData.Poisoned(65536);
        F16.ToFloat(bytes, floats);
        var back = FormatTestData.PoisonedBytes(bytes.Length);
        F16.FromFloat(floats, back);

        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var half = BitConverter.UInt16BitsToHalf((ushort)bits);
            if (Half.IsNaN(half))
                continue;
            Assert.Equal((float)half, floats[bits]);
            Assert.Equal(bytes[2 * bits], back[2 * bits]);
            Assert.Equal(bytes[2 * bits + 1], back[2 * bits + 1]);
        }
    }

    [Fact]
    public void SpanForms_RejectWrongLengths()
    {
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => F16.ToFloat(new byte[5], new float[3])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => BF16.FromFloat(new float[3], new byte[5])).ParamName);
    }
}
