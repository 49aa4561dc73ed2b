using System.Runtime.InteropServices;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Kernels.Ilgpu;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>The host-side pieces of the kernels and backend: layouts, conversions, device listing, memory errors.</summary>
public sealed class IlgpuKernelHelperTests
{
    [Fact]
    public void HalfBits_MatchSystemHalf_ForEveryBitPattern()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float actual = HalfBits.ToFloat((ushort)bits);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"0x{bits:X4} should be NaN");
            else Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"0x{bits:X4}: {actual} != {expected}");
        }
    }

    [Fact]
    public void HalfBitsFromFloat_IsNetsNearestHalf_SaturatedAt65504()
    {
        // The same hard values as the CPU cache's conversion: ties, subnormals, ±0, saturation, random magnitudes.
        foreach (float value in BitNet.Gpu.Tests.Kernels.Cpu.HalfRowsTests.HardValues())
        {
            ushort expected = BitConverter.HalfToUInt16Bits((Half)Math.Clamp(value, -65504f, 65504f));
            ushort actual = HalfBits.FromFloat(value);
            Assert.True(expected == actual, $"{value:R}: 0x{actual:X4}, expected 0x{expected:X4}");
        }
        Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(HalfBits.FromFloat(float.NaN))));
    }

    [Fact]
    public void PortableDot4_IsTheUnsignedBySignedByteDotProduct()
    {
        var random = new Random(41);
        for (int i = 0; i < 10_000; i++)
        {
            int a = random.Next(int.MinValue, int.MaxValue), b = random.Next(int.MinValue, int.MaxValue), acc = random.Next(-1000, 1000);
            int expected = acc;
            for (int k = 0; k < 4; k++) expected += (byte)(a >> (8 * k)) * (sbyte)(b >> (8 * k));
            Assert.Equal(expected, default(PortableDot4).Dot4(a, b, acc));
            Assert.Equal(expected, default(CudaDot4).Dot4(a, b, acc));   // off PTX the intrinsic runs the same C#
        }
    }

    [Fact]
    public void TernaryLayout_PacksCodesRowByRow_WithZeroPadding()
    {
        const int rows = 3, cols = 37;   // 3 words of values per row (the last holding 5), padded to one chunk of 8 words
        var random = new Random(42);
        var values = Enumerable.Range(0, rows * cols).Select(_ => (sbyte)(random.Next(3) - 1)).ToArray();
        var words = TernaryLayout.Pack(values, rows, cols);
        Assert.Equal(8, TernaryLayout.WordsPerRow(cols));
        Assert.Equal(rows * TernaryLayout.WordsPerRow(cols), words.Length);
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < TernaryLayout.WordsPerRow(cols) * 16; c++)
        {
            // column 16w + 4k + i: byte i of word w, bits 2k
            int code = (int)(words[r * 8 + c / 16] >> (8 * (c % 4) + 2 * (c % 16 / 4))) & 3;
            Assert.Equal(c < cols ? values[r * cols + c] + 1 : 1, code);
        }
    }

    [Fact]
    public void TernaryLayout_MaskK_LinesUpTheCodesOfIntK()
    {
        // The kernels' word dot product: mask k of a word against int k of the activations, scaled back by 4^k.
        var random = new Random(43);
        var values = Enumerable.Range(0, 16).Select(_ => (sbyte)(random.Next(3) - 1)).ToArray();
        var x = Enumerable.Range(0, 16).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        int word = (int)TernaryLayout.Pack(values, 1, 16)[0];
        int dot = 0, xSum = 0;
        for (int k = 0; k < 4; k++)
        {
            int ints = BitConverter.ToInt32(MemoryMarshal.AsBytes(x.AsSpan(4 * k, 4)));
            dot += default(PortableDot4).Dot4(word & (TernaryLayout.CodeMask << (2 * k)), ints, 0) >> (2 * k);
            xSum += x[4 * k] + x[4 * k + 1] + x[4 * k + 2] + x[4 * k + 3];
        }
        Assert.Equal(Enumerable.Range(0, 16).Sum(j => values[j] * x[j]), dot - xSum);
    }

    [Theory]
    [InlineData(2560, 2560, 31)]   // one scale per row (I2_S)
    [InlineData(6912, 256, 2)]     // TQ1_0/TQ2_0: 4 vectors per block
    [InlineData(1024, 512, 3)]
    public void TernaryLayout_BlockShift_PutsEachVectorInItsBlock(int cols, int blockWidth, int shift)
    {
        Assert.Equal(shift, TernaryLayout.BlockShift(cols, blockWidth));
        if (blockWidth < cols)
            for (int v = 0; v < TernaryLayout.VectorsPerRow(cols); v++)
                Assert.Equal(v * 64 / blockWidth, v >> shift);
    }

    [Theory]
    [InlineData(768, 64)]    // half a chunk: a chunk's activation sum would span two blocks
    [InlineData(768, 384)]   // three chunks: not a power of two of vectors
    [InlineData(1000, 256)]  // does not tile the row
    public void TernaryLayout_BlockShift_RejectsBlocksTheKernelsCannotIndex(int cols, int blockWidth) =>
        Assert.Throws<ArgumentException>("blockWidth", () => TernaryLayout.BlockShift(cols, blockWidth));

    [Fact]
    public void TernaryLayout_RejectsNonTernaryValuesAndWrongLengths()
    {
        Assert.Throws<ArgumentException>("values", () => TernaryLayout.Pack(new sbyte[] { 0, 2 }, 1, 2));
        Assert.Throws<ArgumentException>("values", () => TernaryLayout.Pack(new sbyte[3], 1, 2));
    }

    [Fact]
    public void Providers_ListDevices_OrNameTheDriverLibraryThatDoesNotLoad()
    {
        foreach (var provider in IlgpuBackendProvider.All())
        {
            IReadOnlyList<BackendDevice> devices;
            try { devices = provider.Devices(); }
            catch (BackendUnavailableException e)
            {
                Assert.Equal(provider.Name, e.Backend);
                Assert.Contains(" could not be loaded: ", e.Reason);   // libcuda.so.1 or libOpenCL.so.1, and the loader's reason
                continue;
            }
            Assert.All(devices, d => Assert.False(string.IsNullOrWhiteSpace(d.Name)));
            Assert.All(devices, d => Assert.Equal(provider.Name, d.Backend));
        }
        Assert.Equal(["cuda", "opencl"], IlgpuBackendProvider.All().Select(p => p.Name));
    }

    [Fact]
    public void OutOfDeviceMemory_SaysHowMuchWasNeededAndIsFree()
    {
        using var backend = IlgpuAccelerators.CreateCpuBackend();
        var error = Assert.Throws<DeviceOutOfMemoryException>(() => backend.AllocateActivations(1 << 30, 1 << 30));
        Assert.Contains("activations", error.Message);
        Assert.Matches(@"needs [0-9.]+ MiB, but only [0-9.]+ MiB of [0-9.]+ MiB is free", error.Message);
        Assert.Contains("free", error.Message);
    }

    [Fact]
    public void BandwidthProbe_MeasuresAPositiveRate()
    {
        using var backend = IlgpuAccelerators.CreateCpuBackend();
        double bytesPerSecond = backend.MeasureReadBandwidth();
        Assert.True(bytesPerSecond > 0 && double.IsFinite(bytesPerSecond), $"{bytesPerSecond}");
        Assert.Equal(0, backend.DeviceBytesInUse);
    }
}
