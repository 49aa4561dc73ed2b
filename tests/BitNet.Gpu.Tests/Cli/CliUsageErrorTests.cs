using System.Globalization;
using System.Text.RegularExpressions;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// Mistakes a user can make on the command line and in the files they pass: each is one line naming the option, file or
/// field (no help dump, no .NET type or exception name, no stack trace) and the documented exit code; and the outputs
/// that used to mislead (wrapped pipes, a speed that did not match its count).
/// </summary>
public class CliUsageErrorTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S); // context 128, no chat template

    /// <summary>The exit code, the fragment, and exactly one error line with nothing of .NET's in it.</summary>
    static void AssertCleanError(CliRunner.Result r, int exitCode, string fragment)
    {
        Assert.True(exitCode == r.ExitCode, $"exit {r.ExitCode}, expected {exitCode}; stderr: {r.Stderr}");
        Assert.Contains(fragment, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("System.", r.Stderr);
        Assert.Single(ErrorLines(r));
    }

    static string[] ErrorLines(CliRunner.Result r) =>
        r.Stderr.Split('\n').Where(line => line.StartsWith("bitnet-gpu: error: ", StringComparison.Ordinal)).ToArray();

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    // --- parse errors -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("run --seed abc", "--seed expects a whole number from 0 to 18446744073709551615, got 'abc'", "run")]
    [InlineData("run -n 999999999999", "-n expects an integer from -2147483648 to 2147483647, got '999999999999'", "run")]
    [InlineData("run --temp warm", "--temp expects a number, got 'warm'", "run")]
    [InlineData("run -p", "-p needs a value", "run")]
    [InlineData("run --bogus", "unknown option '--bogus' for run", "run")]
    [InlineData("devices extra", "unexpected argument 'extra' for devices", "devices")]
    [InlineData("eval --tokens 1", "--dump-logits is required", "eval")]
    [InlineData("info", "info needs MODEL", "info")]
    public void AParseErrorIsOneLineNamingTheOptionThenWhereTheHelpIs(string commandLine, string message, string verb)
    {
        var r = CliRunner.Run(commandLine.Split(' '));
        AssertCleanError(r, 1, message);
        Assert.Equal([$"bitnet-gpu: error: {message}", $"see 'bitnet-gpu {verb} --help'"], Lines(r.Stderr));
        Assert.Equal("", r.Stdout); // no help text
    }

    [Fact]
    public void AValueGivenWrongIsReportedBeforeARequiredOptionNotYetGiven()
    {
        var r = CliRunner.Run("synth", "--seed", "x");
        AssertCleanError(r, 1, "--seed expects a whole number");
    }

    [Fact]
    public void AnUnknownCommandListsTheCommands()
    {
        var r = CliRunner.Run("frob");
        AssertCleanError(r, 1, "unknown command 'frob'; the commands are run, chat, bench, eval, perplexity, tokenize, info, convert, synth, devices");
        Assert.Equal("see 'bitnet-gpu --help'", Lines(r.Stderr)[^1]);
        Assert.Equal(2, Lines(r.Stderr).Length);
    }

    [Fact]
    public void HelpStillWorks_AndNoArgumentsPrintTheHelp()
    {
        var help = CliRunner.Run("run", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--seed", help.Stdout);

        var bare = CliRunner.Run();
        Assert.Equal(1, bare.ExitCode); // a command is needed
        Assert.Contains("Usage:", bare.Stdout);
        Assert.Contains("perplexity", bare.Stdout);
        Assert.Empty(ErrorLines(bare));
    }

    // --- piped output ---------------------------------------------------------------------------------------------

    [Fact]
    public void PipedOutputIsNotWrappedAtEightyColumns()
    {
        using var dir = new TempDirectory();
        string path = dir.File(new string('m', 90) + ".gguf"); // the heading line alone is past 80 columns
        File.Copy(Model, path);
        var r = CliRunner.Run("info", path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string heading = Lines(r.Stdout)[0];
        Assert.StartsWith(path, heading);
        Assert.Contains("metadata keys", heading);

        var bench = CliRunner.Run("bench", "-m", Model, "-p", "0", "-n", "2", "--repeat", "1", "--backend", "cpu", "--profile");
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        Assert.Contains("calls/token", bench.Stdout); // a column header, not squeezed to "calls/t…"
    }
}
