using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Tests.Model.Formats;

public class Q4_KTests
{
    static byte[] Golden(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "ggml", name));

    [Fact]
    public void Dequantize_MatchesGgml()
    {
        // Blocks ggml's quantizer wrote and the floats ggml's dequantizer made of them (TestData/ggml/PROVENANCE.md).
        var blocks = Golden("q4_k-2x512.blocks");
        var expected = MemoryMarshal.Cast<byte, float>(Golden("q4_k-2x512.dequantized.f32")).ToArray();
        var values = FormatTestData.Poisoned(expected.Length);

        Q4_K.Dequantize(blocks, values);

        Assert.Equal(expected, values);
        Assert.Contains(expected, v => v != 0); // the golden data is not all zeros
    }

    [Fact]
    public void Dequantize_MatchesPerValueDerivation()
    {
        var random = new Random(14);
        const int blocks = 3;
        var data = FormatTestData.RandomBytes(random, 144 * blocks);   // every scale, min and nibble pattern
        var scales = FormatTestData.RandomScales(random, 2 * blocks);
        for (int b = 0; b < blocks; b++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(144 * b), scales[2 * b]);
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(144 * b + 2), scales[2 * b + 1]);
        }
        var values = FormatTestData.Poisoned(256 * blocks);

        Q4_K.Dequantize(data, values);

        for (int i = 0; i < values.Length; i++)
            Assert.Equal(ExpectedValue(data.AsSpan(144 * (i / 256), 144), i % 256), values[i]);
    }

    /// <summary>Value v of a block, read straight from the layout: d, dmin, scales[12], qs[128].</summary>
    static float ExpectedValue(ReadOnlySpan<byte> block, int v)
    {
        int subBlock = v / 32;
        byte codes = block[16 + 32 * (subBlock / 2) + v % 32];
        int q = subBlock % 2 == 0 ? codes & 0xF : codes >> 4;
        // The 6-bit scale and min of each sub-block, as 96 bits: bytes 0-3 hold scales 0-3 (low 6 bits) and the top
        // 2 bits of scales 4-7; bytes 4-7 the same for the mins; bytes 8-11 the low nibbles of scales 4-7 and mins 4-7.
        var s = block.Slice(4, 12);
        int scale = subBlock < 4 ? s[subBlock] & 63 : (s[subBlock + 4] & 15) + 16 * (s[subBlock - 4] / 64);
        int min = subBlock < 4 ? s[subBlock + 4] & 63 : s[subBlock + 4] / 16 + 16 * (s[subBlock] / 64);
        float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
        float dMin = (float)BinaryPrimitives.ReadHalfLittleEndian(block[2..]);
        return d * scale * q - dMin * min;
    }

    [Fact]
    public void Quantize_WritesBlocksThatDequantizeClose()
    {
        var random = new Random(15);
        var weights = FormatTestData.RandomFloats(random, 256 * 4, 0.02f);
        var data = FormatTestData.PoisonedBytes(144 * 4);

        Q4_K.Quantize(weights, data);
        var values = FormatTestData.Poisoned(weights.Length);
        Q4_K.Dequantize(data, values);

        Assert.InRange(FormatTestData.RelativeSquaredError(values, weights), 0, 1e-2);   // 4-bit codes over a sub-block's range: about 1/15 of it per step
    }

    [Fact]
    public void WrongLengths_NameTheParameter()
    {
        Assert.Equal("source", Assert.Throws<ArgumentException>(() => Q4_K.Dequantize(new byte[143], new float[256])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Q4_K.Dequantize(new byte[144], new float[200])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Q4_K.Quantize(new float[128], new byte[72])).ParamName);
    }
}
