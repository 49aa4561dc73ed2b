using System.Diagnostics;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Engine.Checking;

/// <summary>
/// Runs <see cref="OperationCase"/>s on a backend and on the reference backend and compares them, as llama.cpp's
/// test-backend-ops does: the op test suite asserts on the outcome, <c>bitnet-gpu check</c> prints it.
/// <code>using var reference = new ReferenceBackend();
/// foreach (var c in OperationCases.All()) Console.WriteLine(BackendCheck.Run(c, backend, reference));</code>
/// </summary>
public static class BackendCheck
{
    /// <summary>The case on both backends; the backend's time is measured (including uploads and the read back).</summary>
    public static CaseOutcome Run(OperationCase operation, IComputeBackend backend, IComputeBackend reference)
    {
        double tolerance = operation.ToleranceFor(backend);
        if (operation.SkipReasonFor(backend) is { } skip)
            return new CaseOutcome(operation, backend.Name, 0, tolerance, TimeSpan.Zero, null, skip);
        var expected = operation.Run(reference);
        var clock = Stopwatch.StartNew();
        float[] actual;
        try
        {
            actual = operation.Run(backend);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return new CaseOutcome(operation, backend.Name, double.PositiveInfinity, tolerance, clock.Elapsed, $"{error.GetType().Name}: {error.Message}", null);
        }
        var time = clock.Elapsed;
        var (maxError, failure) = Compare(expected, actual, tolerance);
        return new CaseOutcome(operation, backend.Name, maxError, tolerance, time, failure, null);
    }

    /// <summary>
    /// max |actual − expected| relative to max |expected|, and why the comparison fails (a NaN left where an element was
    /// never written, or the worst element past the tolerance), or null.
    /// </summary>
    public static (double MaxError, string? Failure) Compare(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance)
    {
        if (expected.Length != actual.Length) return (double.PositiveInfinity, $"{actual.Length} values, expected {expected.Length}");
        double scale = 0;
        foreach (float v in expected) scale = Math.Max(scale, Math.Abs((double)v));
        if (!(scale > 0 && double.IsFinite(scale))) return (double.PositiveInfinity, "the expected values are all zero or not finite");
        double worst = 0;
        int worstIndex = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(actual[i])) return (double.PositiveInfinity, $"element {i} was not written (NaN)");
            double error = Math.Abs(expected[i] - (double)actual[i]);
            if (error > worst) (worst, worstIndex) = (error, i);
        }
        double relative = worst / scale;
        string? failure = relative <= tolerance ? null
            : $"element {worstIndex} is {actual[worstIndex]}, expected {expected[worstIndex]} (error {worst:E2} > {tolerance:E0} × {scale:E2})";
        return (relative, failure);
    }
}
