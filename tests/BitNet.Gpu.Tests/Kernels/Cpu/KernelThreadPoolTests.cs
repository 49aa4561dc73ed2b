using BitNet.Gpu.Kernels.Cpu;

namespace BitNet.Gpu.Tests.Kernels.Cpu;

public class KernelThreadPoolTests
{
    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 1)]
    [InlineData(2, 1001)]
    [InlineData(3, 7)]
    [InlineData(4, 2)]
    public void For_CoversEveryIndexExactlyOnce(int threads, int count)
    {
        using var pool = new KernelThreadPool(threads);
        for (int repeat = 0; repeat < 200; repeat++) // many back-to-back loops: exercises the spin/wake hand-off
        {
            var hits = new int[count];
            pool.For(count, (start, end) =>
            {
                for (int i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
            });
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(int.MaxValue)] // more chunks than indices: one index each
    public void For_CoversEveryIndexExactlyOnce_WithAnyChunking(int chunksPerThread)
    {
        using var pool = new KernelThreadPool(3);
        var hits = new int[1001];
        var ranges = new System.Collections.Concurrent.ConcurrentBag<int>();
        pool.For(hits.Length, (start, end) =>
        {
            ranges.Add(end - start);
            for (int i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
        }, chunksPerThread);
        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.Equal((int)Math.Min(hits.Length, 3L * chunksPerThread), ranges.Count);
        Assert.Throws<ArgumentOutOfRangeException>("chunksPerThread", () => pool.For(10, (_, _) => { }, 0));
    }

    [Fact]
    public void For_WakesWorkersAfterTheyBlocked()
    {
        using var pool = new KernelThreadPool(2);
        var threadIds = new System.Collections.Concurrent.ConcurrentBag<int>();
        Thread.Sleep(50); // workers stop spinning and block
        // Two chunks that can only finish together: the caller holds one until a woken worker runs the other.
        using var bothRunning = new Barrier(2);
        pool.For(2, (_, _) =>
        {
            threadIds.Add(Environment.CurrentManagedThreadId);
            if (!bothRunning.SignalAndWait(TimeSpan.FromSeconds(10))) throw new TimeoutException("the worker never woke up");
        });
        Assert.Equal(2, threadIds.Distinct().Count());
    }

    [Fact]
    public void For_RethrowsAWorkerException()
    {
        using var pool = new KernelThreadPool(2);
        var error = Assert.Throws<AggregateException>(() => pool.For(2, (start, _) =>
        {
            if (start == 1) throw new InvalidOperationException("boom");
        }));
        Assert.IsType<InvalidOperationException>(error.InnerException);
        int ran = 0;
        pool.For(2, (_, _) => Interlocked.Increment(ref ran)); // still usable
        Assert.Equal(2, ran);
    }

    [Fact]
    public void Constructor_RejectsZeroThreads() =>
        Assert.Throws<ArgumentOutOfRangeException>("threadCount", () => new KernelThreadPool(0));
}
