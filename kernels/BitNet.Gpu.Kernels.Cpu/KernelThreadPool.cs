using System.Diagnostics;

namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// A fixed set of worker threads running parallel loops with a few microseconds of overhead per call.
/// The calling thread takes part in every loop; workers spin briefly between loops (the engine calls
/// hundreds of kernels per token) and then block, so an idle pool costs no CPU.
/// One loop runs at a time: <see cref="For"/> is not reentrant and must be called from one thread at a time.
/// </summary>
public sealed class KernelThreadPool : IDisposable
{
    /// <summary>How long an idle worker spins before it blocks.</summary>
    static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    readonly Worker[] _workers;
    readonly object _callLock = new();
    Job? _job; // the loop being run; a new object per loop, so a worker never runs one twice
    volatile bool _disposed;

    /// <summary>
    /// One parallel loop: its body, split into more chunks than threads. Every thread takes the next chunk until none are
    /// left, so a thread the OS or the memory system slows down takes fewer chunks instead of holding up the rest.
    /// </summary>
    sealed class Job(Action<int, int> body, int count, int chunks)
    {
        public readonly Action<int, int> Body = body;
        public readonly int Count = count;
        public readonly int Chunks = chunks;
        int _nextChunk;
        int _completedChunks;
        public Exception? Failure;

        public bool IsComplete => Volatile.Read(ref _completedChunks) == Chunks;

        /// <summary>Runs chunks until none are left (a worker arriving after the end finds none).</summary>
        public void RunChunks()
        {
            for (int chunk = Interlocked.Increment(ref _nextChunk) - 1; chunk < Chunks; chunk = Interlocked.Increment(ref _nextChunk) - 1)
            {
                var (start, end) = RangeBounds(Count, Chunks, chunk);
                try
                {
                    Body(start, end);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Failure, e, null);
                }
                finally
                {
                    Interlocked.Increment(ref _completedChunks);
                }
            }
        }
    }

    /// <summary>
    /// Chunks per thread unless a caller asks otherwise: enough to even out speed differences (compute-bound kernels such
    /// as the prompt's matmuls gain from it), few enough to keep each chunk a long sequential read.
    /// </summary>
    public const int DefaultChunksPerThread = 8;

    /// <param name="threadCount">Threads doing the work, the calling thread included (1 = run inline).</param>
    public KernelThreadPool(int threadCount)
    {
        if (threadCount < 1 || threadCount > 1024)
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, "Thread count must be between 1 and 1024.");
        ThreadCount = threadCount;
        _workers = new Worker[threadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var worker = new Worker(this, number: i + 1);
            _workers[i] = worker;
            worker.Thread.Start();
        }
    }

    /// <summary>Threads doing the work, the calling thread included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// Splits [0, count) into contiguous ranges (<paramref name="chunksPerThread"/> per thread) and runs
    /// <paramref name="rangeBody"/>(start, end) for each, in parallel; returns when all are done. The first exception
    /// thrown by a range is rethrown here.
    /// </summary>
    public void For(int count, Action<int, int> rangeBody, int chunksPerThread = DefaultChunksPerThread)
    {
        ArgumentNullException.ThrowIfNull(rangeBody);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunksPerThread, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count == 0) return;
        if (ThreadCount == 1 || count == 1)
        {
            rangeBody(0, count);
            return;
        }

        lock (_callLock)
        {
            var job = new Job(rangeBody, count, (int)Math.Min(count, (long)ThreadCount * chunksPerThread));
            Volatile.Write(ref _job, job);
            foreach (var worker in _workers) worker.WakeIfSleeping();

            job.RunChunks();
            WaitForChunks(job);

            if (job.Failure is { } failure) throw new AggregateException("A kernel range failed.", failure);
        }
    }

    /// <summary>Busy-waits for the chunks other threads are still running (they finish about when ours do), yielding the core only if they take long.</summary>
    static void WaitForChunks(Job job)
    {
        long yieldAfter = Stopwatch.GetTimestamp() + SpinTicks;
        while (!job.IsComplete)
        {
            if (Stopwatch.GetTimestamp() < yieldAfter) Thread.SpinWait(1);
            else Thread.Yield();
        }
    }

    /// <summary>Range i of n equal contiguous parts of [0, count).</summary>
    internal static (int Start, int End) RangeBounds(int count, int ranges, int index) =>
        ((int)((long)count * index / ranges), (int)((long)count * (index + 1) / ranges));

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var worker in _workers) worker.WakeIfSleeping();
        foreach (var worker in _workers) worker.Thread.Join();
        foreach (var worker in _workers) worker.Dispose();
    }

    sealed class Worker : IDisposable
    {
        readonly KernelThreadPool _pool;
        readonly SemaphoreSlim _wake = new(0);
        int _sleeping; // 1 while blocked (or about to block) on _wake

        public Worker(KernelThreadPool pool, int number)
        {
            _pool = pool;
            Thread = new Thread(Loop, maxStackSize: 4 << 20) { IsBackground = true, Name = $"kernel-worker-{number}" };
        }

        public Thread Thread { get; }

        public void WakeIfSleeping()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
        }

        void Loop()
        {
            Job? done = null;
            while (true)
            {
                var job = WaitForNewJob(done);
                if (job is null) return; // disposed
                done = job;
                job.RunChunks();
            }
        }

        /// <summary>Spins for a short while, then blocks, until a job other than <paramref name="done"/> is published; null once disposed.</summary>
        Job? WaitForNewJob(Job? done)
        {
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while (true)
            {
                while (Stopwatch.GetTimestamp() < spinUntil)
                {
                    for (int i = 0; i < 16; i++)
                    {
                        if (TryTakeNewJob(done, out var job)) return job;
                        Thread.SpinWait(1);
                    }
                }

                Interlocked.Exchange(ref _sleeping, 1);
                if (TryTakeNewJob(done, out var arrived))
                {
                    // Work arrived while going to sleep: if the caller already took our flag it also released us once.
                    if (Interlocked.Exchange(ref _sleeping, 0) == 0) _wake.Wait();
                    return arrived;
                }
                _wake.Wait();
                spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            }
        }

        bool TryTakeNewJob(Job? done, out Job? job)
        {
            job = Volatile.Read(ref _pool._job);
            if (_pool._disposed) { job = null; return true; }
            return job != done;
        }

        public void Dispose() => _wake.Dispose();
    }
}
