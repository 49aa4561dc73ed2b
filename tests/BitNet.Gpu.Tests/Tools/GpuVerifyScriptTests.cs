using System.Diagnostics;

namespace BitNet.Gpu.Tests.Tools;

/// <summary>
/// tools/gpu/verify.sh against a stand-in CLI (a shell script): a missing backend is reported as skipped with the
/// reason devices gave, every available one runs every step, logits that disagree with the CPU's fail, bench's JSON lands in the table, and the script
/// exits 1 when a step failed. The real CLI runs it on a GPU machine; this checks the report logic in a second.
/// </summary>
public sealed class GpuVerifyScriptTests
{
    // Logits: 4 per position; the CPU's argmax is the 2nd, the "vulkan" one's the 1st, 1.0 apart (past 1% of 2.0).
    const string FakeCli = """
        #!/usr/bin/env bash
        verb=$1; shift
        arg() { local k=$1; shift; while [[ $# -gt 0 ]]; do [[ $1 == "$k" ]] && { echo "$2"; return; }; shift; done; }
        case $verb in
          devices) printf '%s\n' '│ backend │ device │ name │ details │' '│ cpu       │ 0      │ host CPU    │ 2 cores │' \
                     '│ vulkan    │ 0      │ fake gpu    │ test │' '│ cuda      │ -      │ unavailable │ libcuda.so.1 could not be loaded │' \
                     '│ opencl    │ 0      │ fake cl     │ test │' ;;
          check) printf '%s\n' '│ a │ 0.1 │ pass │' '│ b │ 0.1 │ pass │' ;;
          eval) n=$(wc -w <<<"$(arg --tokens "$@")"); f=$(arg --dump-logits "$@"); : >"$f"
                one='\x00\x00\x80\x3f'; two='\x00\x00\x00\x40'
                for ((i = 0; i < n; i++)); do
                  if [[ $(arg --backend "$@") != vulkan ]]; then printf "$one$two$one$one" >>"$f"; else printf "$two$one$one$one" >>"$f"; fi
                done ;;
          synth) : >"$(arg -o "$@")" ;;
          bench) [[ $(arg -p "$@") == 512 && $(arg -n "$@") == 128 && $(arg -c "$@") == 1024 ]] || exit 3
                 for p in 1 16 64; do
                   echo "{\"device\":\"fake gpu\",\"kv_cache_type\":\"f16\",\"prompt_tokens_per_second\":1000.4,\"parallel\":$p,\"generation_tokens_per_second\":$((p * 100)).04,\"generation_gb_per_second\":12.3}"
                 done ;;
          *) exit 9 ;;
        esac
        """;

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BitNet.Gpu.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("the repository root (BitNet.Gpu.sln) was not found above the test binaries");
    }

    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // skipped elsewhere; the fake CLI needs its execute bit
    public void ReportsMissingBackendsFailingLogitsAndBenchFigures()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "verify.sh is a Linux script");
        string dir = Directory.CreateTempSubdirectory("bitnet-verify-").FullName;
        try
        {
            string cli = Path.Combine(dir, "fake-cli");
            File.WriteAllText(cli, FakeCli.Replace("\r\n", "\n") + "\n");
            File.SetUnixFileMode(cli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string outDir = Path.Combine(dir, "out");
            string script = Path.Combine(RepositoryRoot(), "tools", "gpu", "verify.sh");
            using var process = Process.Start(new ProcessStartInfo("bash", [script, "--out", outDir, "--cli", cli, "--deadline", "120"])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "verify.sh did not finish");
            Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}\n{stdout}\n{stderr}");

            string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
            Assert.Contains("| cuda | skipped: unavailable: libcuda.so.1 could not be loaded | | |", report);
            Assert.Contains("| cuda-graphs | skipped: unavailable: libcuda.so.1 could not be loaded | | |", report);   // cuda's device row
            Assert.Contains("| opencl | pass | 2/2 passed |", report);
            Assert.Contains("| vulkan | pass | 2/2 passed |", report);
            Assert.Contains("| opencl | pass | 0 | 2 | 48/48 |", report);
            Assert.Contains("| vulkan | FAIL | 1 | 2 | 0/48 |", report);
            Assert.Contains("| opencl | pass | fake gpu | f16 | 1000 | 100.0 | 1600.0 | 6400.0 | 12 |", report);
            Assert.Contains("| vulkan | pass | fake gpu | f16 | 1000 | 100.0 | 1600.0 | 6400.0 | 12 |", report);
            Assert.Contains("available: opencl vulkan). 1 failed step(s)", report);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
