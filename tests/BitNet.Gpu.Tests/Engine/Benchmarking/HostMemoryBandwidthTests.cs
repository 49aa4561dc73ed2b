using BitNet.Gpu.Engine.Benchmarking;

namespace BitNet.Gpu.Tests.Engine.Benchmarking;

/// <summary>The memory probe `bench` divides by: a plausible figure, measured again on the kept buffer, and clear misuse errors.</summary>
public class HostMemoryBandwidthTests
{
    [Fact]
    public void Measures_APlausibleBandwidth_EveryTime()
    {
        using var probe = new HostMemoryBandwidth(threads: 2, bufferBytes: 8L << 20, passes: 2);
        for (int i = 0; i < 2; i++)
        {
            double bytesPerSecond = probe.Measure();
            // Between a floppy disk and any memory bus built: catches a zero, negative or non-finite figure, or a unit slip.
            Assert.InRange(bytesPerSecond, 1e6, 1e14);
        }
    }

    [Fact]
    public void RejectsTinyBuffers_ZeroPasses_AndUseAfterDispose()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HostMemoryBandwidth(1, bufferBytes: 4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HostMemoryBandwidth(1, passes: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HostMemoryBandwidth(1024, bufferBytes: 2L << 20)); // < 4 KiB a thread
        var probe = new HostMemoryBandwidth(1, bufferBytes: 4L << 20, passes: 1);
        probe.Measure();
        probe.Dispose();
        Assert.Throws<ObjectDisposedException>(() => probe.Measure());
    }
}
