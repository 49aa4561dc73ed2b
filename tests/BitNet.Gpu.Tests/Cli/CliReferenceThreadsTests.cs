using System.Text.Json;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// The reference backend runs on one thread whatever --threads says: bench shows 1 in its threads column (it showed
/// the --threads value or the core count, as if they had been used), and run and bench both ignore --threads there
/// the same way, their device line saying it is one thread.
/// </summary>
public class CliReferenceThreadsTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);

    static string[] Bench(params string[] extra) =>
        ["bench", "-m", Model, "-p", "4", "-n", "2", "--repeat", "1", "--backend", "reference", .. extra];

    /// <summary>The cells of the table's rows for the reference backend (one per test: pp, tg).</summary>
    static string[][] ReferenceRows(string table) =>
        table.Split('\n')
             .Select(line => line.Split('│').Select(cell => cell.Trim()).ToArray())
             .Where(cells => cells.Length > 3 && cells[2] == "reference")
             .ToArray();

    [Theory]
    [InlineData("4")]
    [InlineData("0")] // 0: one per core on the cpu backend
    public void BenchShowsOneThreadForTheReferenceBackend(string threads)
    {
        var r = CliRunner.Run(Bench("--threads", threads));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var rows = ReferenceRows(r.Stdout);
        Assert.Equal(2, rows.Length); // pp4 and tg2
        Assert.All(rows, cells => Assert.Equal("1", cells[3]));
        Assert.Contains("1 thread", r.Stdout); // the device line
    }

    [Fact]
    public void BenchJsonShowsOneThreadForTheReferenceBackend()
    {
        var r = CliRunner.Run(Bench("--threads", "4", "--json"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        Assert.Equal(1, json.RootElement.GetProperty("threads").GetInt32());
    }

    [Fact]
    public void RunIgnoresThreadsOnTheReferenceBackendAndSaysItIsOneThread()
    {
        string[] args = ["run", "-m", Model, "-p", "the tea", "-n", "4", "--temp", "0", "--backend", "reference"];
        var one = CliRunner.Run([.. args, "--threads", "1"]);
        var four = CliRunner.Run([.. args, "--threads", "4"]);
        Assert.True(four.ExitCode == 0, four.Stderr);
        Assert.Equal(one.Stdout, four.Stdout);
        Assert.Empty(CliAssert.ErrorLines(four));
        Assert.Contains("backend: reference (host (plain C#, 1 thread, for checking))", four.Stderr);
    }
}
