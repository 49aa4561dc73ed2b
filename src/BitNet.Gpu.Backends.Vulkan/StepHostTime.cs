using System.Diagnostics;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The host's share of a one-token step: the time from <c>BeginStep</c> to the end of the step's last read, less the time
/// spent waiting for the device. It counts what the host does on the critical path (the graph's calls, recording or
/// looking up the command buffer, submitting, copying results out). Only steps that took exactly one submission count:
/// a profiled run waits after every operation and would measure something else.
/// </summary>
public sealed class StepHostTime
{
    long _stepStart = -1, _stepEnd, _waitTicks, _submitTicks;
    int _submitsAtStart, _submits;
    bool _oneToken;

    /// <summary>One-token steps measured so far.</summary>
    public int Steps { get; private set; }
    /// <summary>Their host time in total.</summary>
    public TimeSpan Total { get; private set; }
    /// <summary>The part of <see cref="Total"/> spent inside vkQueueSubmit (the driver's, not the backend's).</summary>
    public TimeSpan Submit { get; private set; }
    /// <summary>The mean host time of a measured step (zero before any).</summary>
    public TimeSpan PerStep => Steps == 0 ? TimeSpan.Zero : Total / Steps;
    /// <summary>The mean time of a measured step's vkQueueSubmit.</summary>
    public TimeSpan SubmitPerStep => Steps == 0 ? TimeSpan.Zero : Submit / Steps;

    internal void BeginStep(int tokenCount, int submitCount)
    {
        Commit();
        _stepStart = Stopwatch.GetTimestamp();
        _stepEnd = _stepStart;
        _waitTicks = 0;
        _submitTicks = 0;
        _submitsAtStart = submitCount;
        _oneToken = tokenCount == 1;
    }

    internal void AddWait(long ticks) => _waitTicks += ticks;

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
        long hostTicks = _stepEnd - _stepStart - _waitTicks;
        if (hostTicks <= 0) return;
        Total += Stopwatch.GetElapsedTime(0, hostTicks);
        Submit += Stopwatch.GetElapsedTime(0, _submitTicks);
        Steps++;
    }
}
