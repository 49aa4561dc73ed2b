using System.Diagnostics;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The host's share of a one-token step: the time from <c>BeginStep</c> to the end of the step's last read, less the time
/// spent waiting for the device and the host work done between a submission and its wait while the device was still
/// running (that work counts when the device had finished first: then it delayed the step). It counts what the host
/// does on the critical path (the graph's calls, recording or looking up the command buffer, submitting, copying results
/// out). Only steps that took exactly one submission count:
/// a profiled run waits after every operation and would measure something else. The median is reported: the first
/// step of a shape also records its command buffer, once.
/// </summary>
public sealed class StepHostTime
{
    long _stepStart = -1, _stepEnd, _waitTicks, _overlappedTicks, _submitTicks;
    int _submitsAtStart, _submits;
    bool _oneToken;
    const int Kept = 4096;   // the latest steps, so a long-running server keeps a bounded record
    readonly (double Host, double Submit)[] _steps = new (double, double)[Kept];
    int _measured;

    /// <summary>One-token steps measured so far.</summary>
    public int Steps => _measured;
    /// <summary>The median host time of a measured step, over the latest 4096 (zero before any).</summary>
    public TimeSpan PerStep => TimeSpan.FromMilliseconds(Median(s => s.Host));
    /// <summary>The median time of a measured step's vkQueueSubmit (the driver's, not the backend's).</summary>
    public TimeSpan SubmitPerStep => TimeSpan.FromMilliseconds(Median(s => s.Submit));

    double Median(Func<(double Host, double Submit), double> part)
    {
        if (_measured == 0) return 0;
        var values = _steps.Take(Math.Min(_measured, Kept)).Select(part).Order().ToArray();
        return values[values.Length / 2];
    }

    internal void BeginStep(int tokenCount, int submitCount)
    {
        Commit();
        _stepStart = Stopwatch.GetTimestamp();
        _stepEnd = _stepStart;
        _waitTicks = 0;
        _overlappedTicks = 0;
        _submitTicks = 0;
        _submitsAtStart = submitCount;
        _oneToken = tokenCount == 1;
    }

    internal void AddWait(long ticks) => _waitTicks += ticks;

    /// <summary>Host work between a submission and its wait; off the critical path unless the device finished first.</summary>
    internal void AddOverlapped(long ticks, bool onCriticalPath)
    {
        if (!onCriticalPath) _overlappedTicks += ticks;
    }

    internal void AddSubmit(long ticks) => _submitTicks += ticks;

    internal void EndRead(int submitCount)
    {
        _stepEnd = Stopwatch.GetTimestamp();
        _submits = submitCount - _submitsAtStart;
    }

    // A step ends when the next begins: its last read is known only then.
    void Commit()
    {
        if (_stepStart < 0 || !_oneToken || _submits != 1) return;
        long hostTicks = _stepEnd - _stepStart - _waitTicks - _overlappedTicks;
        if (hostTicks <= 0) return;
        _steps[_measured++ % Kept] = (Stopwatch.GetElapsedTime(0, hostTicks).TotalMilliseconds, Stopwatch.GetElapsedTime(0, _submitTicks).TotalMilliseconds);
    }
}
