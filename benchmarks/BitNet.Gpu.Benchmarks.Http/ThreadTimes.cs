namespace BitNet.Gpu.Benchmarks.Http;

/// <summary>
/// CPU time this process's threads used over a run, from Linux's /proc/self/task/*/schedstat (nanoseconds on a core):
/// the engine's threads (the scheduler loop and the kernel workers), the JIT's background compiler, and all the others
/// (HTTP server, client, runtime). Unlike tokens per second, CPU time per token hardly moves when other processes load
/// the machine, so it shows what the HTTP layer costs even on a busy machine. All zero where /proc is not there.
/// </summary>
public sealed record ThreadTimes(double EngineMs, double JitMs, double OtherMs)
{
    internal enum Kind { Engine, Jit, Other }

    /// <summary>CPU nanoseconds per thread id, with the thread's kind.</summary>
    public sealed class Snapshot
    {
        internal readonly Dictionary<int, (Kind Kind, long Ns)> Threads = [];

        /// <summary>The totals now.</summary>
        public static Snapshot Take()
        {
            var snapshot = new Snapshot();
            if (!Directory.Exists("/proc/self/task")) return snapshot;
            foreach (string dir in Directory.GetDirectories("/proc/self/task"))
            {
                try
                {
                    string name = File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n');
                    long ns = long.Parse(File.ReadAllText(Path.Combine(dir, "schedstat")).Split(' ')[0]);
                    snapshot.Threads[int.Parse(Path.GetFileName(dir))] = (KindOf(name), ns);
                }
                catch (IOException) { } // the thread ended while being read
            }
            return snapshot;
        }
    }

    /// <summary>Thread names as the kernel shortens them (15 characters).</summary>
    static Kind KindOf(string name) =>
        name.StartsWith("bitnet-gpu sche", StringComparison.Ordinal) || name.StartsWith("kernel-worker", StringComparison.Ordinal) ? Kind.Engine
        : name.StartsWith(".NET Tiered Com", StringComparison.Ordinal) ? Kind.Jit
        : Kind.Other;

    /// <summary>What the threads used between two snapshots (a thread that ended in between is left out).</summary>
    public static ThreadTimes Between(Snapshot before, Snapshot after)
    {
        var ms = new double[3];
        foreach (var (id, now) in after.Threads)
            ms[(int)now.Kind] += (now.Ns - before.Threads.GetValueOrDefault(id).Ns) / 1e6;
        return new ThreadTimes(ms[(int)Kind.Engine], ms[(int)Kind.Jit], ms[(int)Kind.Other]);
    }
}
