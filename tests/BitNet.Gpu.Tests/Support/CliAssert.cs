namespace BitNet.Gpu.Tests.Support;

/// <summary>What every CLI error must look like: the documented exit code, one error line naming the problem, nothing of .NET's in it.</summary>
public static class CliAssert
{
    /// <summary>The exit code, the fragment, and exactly one error line with no stack trace, exception or .NET type name.</summary>
    public static void CleanError(CliRunner.Result r, int exitCode, string fragment)
    {
        Assert.True(exitCode == r.ExitCode, $"exit {r.ExitCode}, expected {exitCode}; stderr: {r.Stderr}");
        Assert.Contains(fragment, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("System.", r.Stderr);
        Assert.Single(ErrorLines(r));
    }

    /// <summary>The lines of stderr that are error reports.</summary>
    public static string[] ErrorLines(CliRunner.Result r) =>
        r.Stderr.Split('\n').Where(line => line.StartsWith("bitnet-gpu: error: ", StringComparison.Ordinal)).ToArray();
}
