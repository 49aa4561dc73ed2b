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

    [Fact]
    public void Allocate_RejectsNegativeSizes() =>
        Assert.Throws<ArgumentOutOfRangeException>("bytes", () => { LargePageMemory.Allocate(-1); });
}
