using System.Diagnostics;

namespace BitNet.Gpu.Engine.Backends;

/// <summary>
/// Time and weight bytes per kind of operation, summed over the steps recorded by a <see cref="ProfilingBackend"/>.
/// Rows are kept in the order the graph first issued them, so a report reads like one forward pass.
/// </summary>
public sealed class OperationProfile
{
    readonly List<string> _order = [];
    readonly Dictionary<string, Sums> _sums = [];

    /// <summary>Running totals of one kind of operation (a class, so recording allocates nothing per call).</summary>
    sealed class Sums
    {
        public long Calls, Ticks, Bytes;
    }

    /// <summary>One kind of operation: how often it ran, for how long, and how many weight bytes it read in all.</summary>
    public sealed record Entry(string Operation, long Calls, TimeSpan Time, long Bytes)
    {
        /// <summary>Weight bytes read per second (0 for operations that read no weights).</summary>
        public double BytesPerSecond => Bytes == 0 || Time <= TimeSpan.Zero ? 0 : Bytes / Time.TotalSeconds;
    }

    /// <summary>Whether operations are being recorded.</summary>
    public bool Recording { get; private set; }
    /// <summary>Forward steps recorded (one per generated token in a generation run).</summary>
    public long Steps { get; private set; }
    /// <summary>Tokens those steps ran.</summary>
    public long Tokens { get; private set; }

    public void Start() => Recording = true;
    public void Stop() => Recording = false;

    /// <summary>Forgets everything recorded.</summary>
    public void Clear()
    {
        _order.Clear();
        _sums.Clear();
        Steps = Tokens = 0;
    }

    internal void AddStep(int tokens)
    {
        Steps++;
        Tokens += tokens;
    }

    internal void Add(string operation, long elapsedTimestampTicks, long bytes)
    {
        if (!_sums.TryGetValue(operation, out var sums))
        {
            _order.Add(operation);
            _sums[operation] = sums = new Sums();
        }
        sums.Calls++;
        sums.Ticks += elapsedTimestampTicks;
        sums.Bytes += bytes;
    }

    /// <summary>Every kind of operation recorded, in the order first seen.</summary>
    public IReadOnlyList<Entry> Entries => _order.Select(name =>
    {
        var sums = _sums[name];
        return new Entry(name, sums.Calls, Stopwatch.GetElapsedTime(0, sums.Ticks), sums.Bytes);
    }).ToArray();

    /// <summary>The time of all recorded operations.</summary>
    public TimeSpan Total => Stopwatch.GetElapsedTime(0, _sums.Values.Sum(s => s.Ticks));
}
