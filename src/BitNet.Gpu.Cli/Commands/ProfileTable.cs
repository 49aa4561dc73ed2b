using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Benchmarking;
using Spectre.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bench --profile: where a generated token's time goes, one row per kind of operation, per token.</summary>
static class ProfileTable
{
    public static void Write(OperationProfile profile, BenchmarkResult result)
    {
        if (profile.Steps == 0) return;
        double steps = profile.Steps;
        double totalMs = profile.Total.TotalMilliseconds / steps;
        var table = new Table().AddColumns("operation", "calls/token", "ms/token", "share", "MB/token", "GB/s");
        table.Columns[0].NoWrap();
        foreach (var e in profile.Entries)
        {
            double ms = e.Time.TotalMilliseconds / steps;
            table.AddRow(e.Operation, $"{e.Calls / steps:0.#}", $"{ms:F3}", $"{100 * ms / totalMs:F1}%",
                e.Bytes == 0 ? "" : $"{e.Bytes / steps / 1e6:F1}", e.Bytes == 0 ? "" : $"{e.BytesPerSecond / 1e9:F1}");
        }
        table.AddRow("all operations", "", $"{totalMs:F3}", "100%", "", "");
        AnsiConsole.Write(table);
        double plainMs = result.GenerationTokensPerSecond > 0 ? 1000 / result.GenerationTokensPerSecond : 0;
        Console.Out.WriteLine($"profile: {profile.Steps} generated tokens; each operation waited for the device before the next began, " +
                              $"so a token took {totalMs:F2} ms of operations here against {plainMs:F2} ms per token (median run) in the table above");
    }

    public static object[] ToJson(OperationProfile profile) => profile.Entries.Select(e => (object)new Dictionary<string, object>
    {
        ["operation"] = e.Operation,
        ["calls_per_token"] = e.Calls / (double)profile.Steps,
        ["ms_per_token"] = e.Time.TotalMilliseconds / profile.Steps,
        ["weight_bytes_per_token"] = e.Bytes / (double)profile.Steps,
    }).ToArray();
}
