namespace BitNet.Gpu.Engine.Checking;

/// <summary>What one <see cref="OperationCase"/> gave on one backend against the reference.</summary>
/// <param name="MaxError">max |actual − expected| / max |expected| (0 when skipped).</param>
/// <param name="Failure">Why it failed (an unwritten element, the worst element, an exception), or null when it passed or was skipped.</param>
/// <param name="SkipReason">Why it did not run, or null.</param>
public sealed record CaseOutcome(OperationCase Case, string Backend, double MaxError, double Tolerance, TimeSpan Time, string? Failure, string? SkipReason)
{
    public bool Passed => Failure is null && SkipReason is null;
    public bool Failed => Failure is not null;
}
