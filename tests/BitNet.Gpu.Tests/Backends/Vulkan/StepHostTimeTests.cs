using System.Diagnostics;
using BitNet.Gpu.Backends.Vulkan;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>What a one-token step's host time counts: not the device waits, and not host work done between a submission
/// and its wait while the device ran; that work counts when the device had finished first.</summary>
public sealed class StepHostTimeTests
{
    static readonly long Overlap = Stopwatch.Frequency / 50;   // 20 ms

    // One step that took at least 25 ms of wall time, 20 of them reported as overlapped; returns the step's host time
    // and the wall time the test saw around it (an upper bound of the step's own).
    static (double Host, double Wall) OneStep(bool overlapOnCriticalPath)
    {
        var times = new StepHostTime();
        long start = Stopwatch.GetTimestamp();
        times.BeginStep(tokenCount: 1, submitCount: 0);
        // Timed from after the step began, so the step's own span holds all 25 ms (timed from start, a step that began
        // a microsecond late measured 24.9988 ms on a busy machine).
        long spinStart = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - spinStart < Overlap * 5 / 4) { }
        times.AddOverlapped(Overlap, overlapOnCriticalPath);
        times.EndRead(submitCount: 1);
        double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        times.BeginStep(tokenCount: 1, submitCount: 1);   // the step ends when the next begins
        Assert.Equal(1, times.Steps);
        return (times.PerStep.TotalMilliseconds, wall);
    }

    [Fact]
    public void OverlappedWork_IsLeftOut_WhileTheDeviceStillRan()
    {
        var (host, wall) = OneStep(overlapOnCriticalPath: false);
        Assert.InRange(host, 0, wall - 20 + 0.001);
    }

    [Fact]
    public void OverlappedWork_Counts_WhenTheDeviceHadFinishedFirst()
    {
        var (host, wall) = OneStep(overlapOnCriticalPath: true);
        Assert.InRange(host, 25 - 0.001, wall);
    }

    [Fact]
    public void StepsOfSeveralSubmissions_AreNotMeasured()
    {
        var times = new StepHostTime();
        times.BeginStep(tokenCount: 1, submitCount: 0);
        times.EndRead(submitCount: 2);
        times.BeginStep(tokenCount: 1, submitCount: 2);
        Assert.Equal(0, times.Steps);
    }
}
