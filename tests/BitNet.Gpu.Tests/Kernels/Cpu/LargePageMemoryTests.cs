using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

public unsafe class LargePageMemoryTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData((2 << 20) - 1)]
    [InlineData((2 << 20) + 12345)] // large-page path: rounded up to whole 2 MiB pages
    public void Allocate_GivesAlignedWritableMemoryOfTheRequestedSize(int bytes)
    {
        byte* block = (byte*)LargePageMemory.Allocate(bytes);
        try
        {
            Assert.Equal(0, (long)block % 64);
            var random = new Random(bytes);
            var expected = new byte[bytes];
            random.NextBytes(expected);
            expected.AsSpan().CopyTo(new Span<byte>(block, bytes));
            Assert.True(new ReadOnlySpan<byte>(block, bytes).SequenceEqual(expected));
        }
        finally
        {
            LargePageMemory.Free(block);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData((2 << 20) - 1)]
    [InlineData((2 << 20) + 12345)] // a fresh mapping on Linux
    [InlineData(3 * (2 << 20))]
    public void AllocateZeroed_GivesZerosAlignedAndWritable_AgainAfterAFree(int bytes)
    {
        for (int round = 0; round < 2; round++) // the second block may reuse the first one's memory: it must be zeros again
        {
            byte* block = (byte*)LargePageMemory.AllocateZeroed(bytes);
            try
            {
                Assert.Equal(0, (long)block % 64);
                if (bytes >= 2 << 20 && OperatingSystem.IsLinux()) Assert.Equal(0, (long)block % (2 << 20));
                var span = new Span<byte>(block, bytes);
                Assert.Equal(-1, span.IndexOfAnyExcept((byte)0));
                span.Fill(0xA5); // dirty it for the next round, and prove every byte is writable
                Assert.Equal(-1, span.IndexOfAnyExcept((byte)0xA5));
            }
            finally
            {
                LargePageMemory.Free(block);
            }
        }
    }

    [Fact]
    public void Allocate_RejectsNegativeSizes() =>
        Assert.Throws<ArgumentOutOfRangeException>("bytes", () => { LargePageMemory.Allocate(-1); });

    [Fact]
    public void AllocateZeroed_RejectsNegativeSizes() =>
        Assert.Throws<ArgumentOutOfRangeException>("bytes", () => { LargePageMemory.AllocateZeroed(-1); });
}
