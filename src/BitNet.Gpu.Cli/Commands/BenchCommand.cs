using System.CommandLine;
using System.Text.Json;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Engine.Benchmarking;
using Spectre.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// bitnet-gpu bench: prompt processing and generation speed like llama-bench, with GB/s of weights read per
/// generated token and the share of the measured memory-bandwidth roofline.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var prompt = new Option<int>("-p", "--n-prompt") { Description = "prompt tokens (pp test)", DefaultValueFactory = _ => 128 };
        var generate = new Option<int>("-n", "--n-gen") { Description = "generated tokens (tg test)", DefaultValueFactory = _ => 64 };
        var repeat = new Option<int>("--repeat", "-r") { Description = "runs of each test; the median is reported", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of a table" };
        var topK = new Option<int>("--top-k")
        {
            Description = "generate as a top-K sampler needs (logits that cannot be among the K largest are skipped, as run does); " +
                          "0 = every logit, like llama-bench",
            DefaultValueFactory = _ => 0,
        };
        var profile = new Option<bool>("--profile")
        {
            Description = "also time every operation of the generation runs and print a table per kind (each operation waits for the device, so the run is slower)",
        };
        var parallel = new Option<string>("--parallel", "-np")
        {
            Description = "sequences generating at once in the tg test, or a list (1,4,8,16): tok/s is then the sum over sequences; " +
                          "each step carries one token of every sequence",
            DefaultValueFactory = _ => "1",
        };
        var depth = new Option<string>("-d", "--n-depth")
        {
            Description = "tokens already in the KV cache before each test, or a list (0,512,4096), as llama-bench's -d: " +
                          "the cache is filled once per depth (untimed) and each run starts from there",
            DefaultValueFactory = _ => "0",
        };
        var command = new Command("bench", "Measure prompt processing and generation speed") { prompt, generate, repeat, json, topK, profile, parallel, depth };
        engine.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int p = parse.GetValue(prompt), n = parse.GetValue(generate), r = parse.GetValue(repeat);
            if (p < 0 || n < 0 || p + n == 0) throw new UsageException("-p and -n must be zero or more, and not both zero");
            if (r is <= 0 or > 1000) throw new UsageException($"--repeat must be between 1 and 1000, got {r}");
            int k = parse.GetValue(topK);
            if (k < 0) throw new UsageException($"--top-k must be zero (every logit) or positive, got {k}");

            bool profiled = parse.GetValue(profile);
            if (profiled && n == 0) throw new UsageException("--profile times the generation test: -n must be positive");
            int[] sequences = ParallelList(parse.GetValue(parallel)!);
            int[] depths = DepthList(parse.GetValue(depth)!);
            long contextNeeded = (long)depths.Max() + Math.Max(p, n);
            if (depths.Max() > 0 && contextNeeded > Engine.Hosting.LoadOptions.DefaultMaxContext && parse.GetValue(engine.Context) == 0)
                throw new UsageException($"-d {depths.Max()} with -p {p} / -n {n} needs a context of {contextNeeded} tokens, more than the default " +
                                         $"{Engine.Hosting.LoadOptions.DefaultMaxContext}: pass --ctx {contextNeeded} (at most the model's context length)");
            if (sequences.Max() > 1 && n == 0) throw new UsageException("--parallel runs the generation test: -n must be positive");
            int batch = parse.GetValue(engine.BatchSize);
            if (sequences.Max() > batch) throw new UsageException($"--parallel {sequences.Max()} is more than the {batch} tokens a step holds (raise --batch-size)");

            // Many slots: each needs only the test's positions unless --ctx says otherwise (the KV cache is slots × context).
            using var model = engine.Load(parse, profiled, load => load with
            {
                Parallel = sequences.Max(),
                ContextLength = sequences.Max() > 1 && load.ContextLength == 0 ? (int)contextNeeded : load.ContextLength,
            });
            int threads = parse.GetValue(engine.Threads) is > 0 and var t ? t : Environment.ProcessorCount;
            using var hostBandwidth = new HostMemoryBandwidth(threads); // allocates only if measured
            Func<double> bandwidthProbe = model.Backend is IBandwidthProbe probe ? probe.MeasureReadBandwidth : hostBandwidth.Measure;
            if ((long)depths.Max() + Math.Max(p, n) > model.Graph.ContextLength)
                throw new UsageException($"-d {depths.Max()} + -p {p} / -n {n} do not fit the context of {model.Graph.ContextLength} tokens (raise --ctx)");
            var reports = new List<BenchReport>();
            foreach (int d in depths)
            {
                BenchReport? first = null; // the prompt test runs once per depth, with its first --parallel count
                foreach (int count in sequences)
                {
                    if (d > 0) Console.Error.WriteLine($"bench: filling {count} × {d} tokens of KV cache (untimed)...");
                    var result = ModelBenchmark.Run(model.Graph, first is null ? p : 0, n, r, bandwidthProbe, generationTopK: k,
                                                    generationProfile: model.Profile, parallel: count, depth: d);
                    if (first is not null)
                        result = result with { PromptTokens = p, PromptTokensPerSecond = first.Result.PromptTokensPerSecond, PromptRuns = first.Result.PromptRuns };
                    var report = new BenchReport(model, result, ThreadsUsed(model.Backend, threads), k, PromptRow: first is null);
                    first ??= report;
                    reports.Add(report);
                }
            }
            if (parse.GetValue(json)) foreach (var report in reports) Console.Out.WriteLine(report.ToJson()); // one object per line
            else
            {
                BenchReport.WriteTable(reports);
                if (model.Profile is { } operations) ProfileTable.Write(operations, reports[^1].Result);
                if (model.Backend is global::BitNet.Gpu.Backends.Vulkan.VulkanBackend { HostTime: { Steps: > 0 } host })
                    Console.Out.WriteLine($"vulkan host time per one-token step, outside the device wait: {host.PerStep.TotalMilliseconds:F3} ms, of which vkQueueSubmit {host.SubmitPerStep.TotalMilliseconds:F3} ms (median of {host.Steps} unprofiled steps)");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>--parallel: one count or a comma-separated list, each between 1 and the most sequences a graph holds.</summary>
    static int[] ParallelList(string text)
    {
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count)
                || count < 1 || count > Engine.Graph.TransformerGraph.MaxSequences)
                throw new UsageException($"--parallel takes counts between 1 and {Engine.Graph.TransformerGraph.MaxSequences} separated by commas (1,4,8), got '{text}'");
            counts.Add(count);
        }
        return [.. counts];
    }

    /// <summary>The deepest -d accepted before the model is loaded (the model's context length then bounds it).</summary>
    const int MaxDepth = 1 << 24;

    /// <summary>-d: one depth or a comma-separated list of token counts.</summary>
    static int[] DepthList(string text)
    {
        var depths = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int d) || d > MaxDepth)
                throw new UsageException($"-d takes token counts between 0 and {MaxDepth} separated by commas (0,512,4096), got '{text}'");
            depths.Add(d);
        }
        return [.. depths];
    }

    /// <summary>
    /// The threads column: the reference backend computes on one thread and ignores --threads (as run does), so it is 1
    /// there, a number like every other row's rather than a blank llama-bench users would not expect.
    /// </summary>
    static int ThreadsUsed(IComputeBackend backend, int requested) => backend is ReferenceBackend ? 1 : requested;

    /// <summary>
    /// Bytes per token are the weights as the backend stores them (a TQ1_0 file repacked to 2 bits reads more than the
    /// file holds). With a top-k generation test the output projection reads only part of its bytes (the screen and the
    /// rows that can matter); bytes per token count what was measured to be read, so GB/s and the roofline share stay
    /// comparable.
    /// </summary>
    /// <param name="PromptRow">Whether this report's prompt test gets a table row (the first report of each depth).</param>
    sealed record BenchReport(Engine.Hosting.LoadedModel Model, BenchmarkResult Result, int Threads, int TopK, bool PromptRow = true)
    {
        bool FullLogits => TopK == 0;
        long OutputBytes => Model.Graph.OutputBytes;
        /// <summary>Weight bytes per generated token: a step's bytes shared by the sequences it carries.</summary>
        long BytesPerToken => (Model.Graph.WeightBytesPerToken - OutputBytes + (long)(OutputBytes * Result.GenerationOutputReadFraction)) / Result.Parallel;
        double Bandwidth => Result.Bandwidth;
        double RooflinePercent => 100 * Result.RooflineFraction(BytesPerToken);
        double GenerationBytesPerSecond => BytesPerToken * Result.GenerationTokensPerSecond;
        double RooflineTokensPerSecond => Bandwidth / BytesPerToken;

        public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model"] = Model.File.Path,
            ["architecture"] = Model.Description.ArchitectureName,
            ["ternary_type"] = Model.Description.TernaryType.ToString(),
            ["backend"] = Model.Backend.Name,
            ["device"] = Model.Backend.DeviceDescription,
            ["threads"] = Threads,
            ["kv_cache_type"] = Model.Graph.CacheType.Name(),
            ["prompt_tokens"] = Result.PromptTokens,
            ["generated_tokens"] = Result.GeneratedTokens,
            ["repeats"] = Result.Repeats,
            ["prompt_tokens_per_second"] = Result.PromptTokensPerSecond,
            ["parallel"] = Result.Parallel,
            ["depth"] = Result.Depth,
            ["generation_tokens_per_second"] = Result.GenerationTokensPerSecond,
            ["generation_top_k"] = TopK,
            ["weight_bytes_per_token"] = BytesPerToken,
            ["output_read_fraction"] = Result.GenerationOutputReadFraction,
            ["generation_gb_per_second"] = GenerationBytesPerSecond / 1e9,
            ["memory_bandwidth_gb_per_second"] = Bandwidth / 1e9,
            ["roofline_tokens_per_second"] = RooflineTokensPerSecond,
            ["roofline_percent"] = RooflinePercent,
            ["memory_bandwidth_runs_gb_per_second"] = Result.BandwidthRuns.Select(b => b / 1e9).ToArray(),
            ["prompt_runs"] = Result.PromptRuns,
            ["generation_runs"] = Result.GenerationRuns,
            ["profile"] = Model.Profile is { } profile ? ProfileTable.ToJson(profile) : null,
        }, new JsonSerializerOptions { WriteIndented = false });

        string GenerationTest => (FullLogits ? $"tg{Result.GeneratedTokens}" : $"tg{Result.GeneratedTokens} top-{TopK}") +
                                 (Result.Parallel > 1 ? $" x{Result.Parallel}" : "") + AtDepth;
        string PromptTest => $"pp{Result.PromptTokens}{AtDepth}";
        /// <summary>llama-bench's suffix for a test run after <see cref="BenchmarkResult.Depth"/> tokens.</summary>
        string AtDepth => Result.Depth > 0 ? $" @ d{Result.Depth}" : "";

        /// <summary>One table for the runs of one model: per depth, the prompt test once, then a generation row per --parallel count.</summary>
        public static void WriteTable(IReadOnlyList<BenchReport> reports)
        {
            var first = reports[0];
            var d = first.Model.Description;
            var table = new Table().AddColumns("type", "backend", "threads", "test", "tok/s", "GB/s", "% roofline");
            Console.Out.WriteLine($"model: {first.Model.File.Path} ({d.ArchitectureName}, {d.Layers.Count} layers, hidden {d.Hyperparameters.EmbeddingLength})");
            string type = d.TernaryType.ToString(), backend = first.Model.Backend.Name, threads = first.Threads.ToString();
            foreach (var report in reports)
            {
                if (report.PromptRow && report.Result.PromptTokens > 0)
                    table.AddRow(type, backend, threads, report.PromptTest, $"{report.Result.PromptTokensPerSecond:F1}", "", "");
                if (report.Result.GeneratedTokens > 0)
                    table.AddRow(type, backend, threads, report.GenerationTest, $"{report.Result.GenerationTokensPerSecond:F1}",
                                 $"{report.GenerationBytesPerSecond / 1e9:F1}", $"{report.RooflinePercent:F0}%");
            }
            AnsiConsole.Write(table);
            var last = reports[^1];
            string bandwidth = last.Result.BandwidthRuns.Length == 0 ? "" :
                $"read bandwidth measured after each run {reports.SelectMany(r => r.Result.BandwidthRuns).Min() / 1e9:F1}–" +
                $"{reports.SelectMany(r => r.Result.BandwidthRuns).Max() / 1e9:F1} GB/s (median {first.Bandwidth / 1e9:F1}: roofline {first.RooflineTokensPerSecond:F1} tok/s); ";
            string weights = first.FullLogits ? $"weights read per token {first.BytesPerToken / 1e6:F1} MB" :
                $"weights read per token {first.BytesPerToken / 1e6:F1} MB (top-{first.TopK}: the output layer read {100 * first.Result.GenerationOutputReadFraction:F0}% " +
                $"of its {first.OutputBytes / 1e6:F0} MB, its int8 screen and the rows that can matter)";
            string parallel = reports.Any(r => r.Result.Parallel > 1)
                ? "; xN: N sequences generating at once, tok/s summed over them, weights read once per step for all"
                : "";
            Console.Out.WriteLine($"device: {first.Model.Backend.DeviceDescription}; KV cache {first.Model.Graph.CacheType.Name()}; {weights}; " +
                                  $"{bandwidth}median of {first.Result.Repeats}{parallel}");
        }
    }
}
