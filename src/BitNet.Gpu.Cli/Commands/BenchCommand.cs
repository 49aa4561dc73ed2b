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
        var command = new Command("bench", "Measure prompt processing and generation speed") { prompt, generate, repeat, json, topK, profile };
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
            using var model = engine.Load(parse, profiled);
            int threads = parse.GetValue(engine.Threads) is > 0 and var t ? t : Environment.ProcessorCount;
            using var hostBandwidth = new HostMemoryBandwidth(threads); // allocates only if measured
            Func<double> bandwidthProbe = model.Backend is IBandwidthProbe probe ? probe.MeasureReadBandwidth : hostBandwidth.Measure;
            var result = ModelBenchmark.Run(model.Graph, p, n, r, bandwidthProbe, generationTopK: k, generationProfile: model.Profile);
            var report = new BenchReport(model, result, ThreadsUsed(model.Backend, threads), k);
            if (parse.GetValue(json)) Console.Out.WriteLine(report.ToJson());
            else
            {
                report.WriteTable();
                if (model.Profile is { } operations) ProfileTable.Write(operations, result);
            }
            return 0;
        }));
        return command;
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
    sealed record BenchReport(Engine.Hosting.LoadedModel Model, BenchmarkResult Result, int Threads, int TopK)
    {
        bool FullLogits => TopK == 0;
        long OutputBytes => Model.Graph.OutputBytes;
        long BytesPerToken => Model.Graph.WeightBytesPerToken - OutputBytes + (long)(OutputBytes * Result.GenerationOutputReadFraction);
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

        public void WriteTable()
        {
            var d = Model.Description;
            var table = new Table().AddColumns("type", "backend", "threads", "test", "tok/s", "GB/s", "% roofline");
            Console.Out.WriteLine($"model: {Model.File.Path} ({d.ArchitectureName}, {d.Layers.Count} layers, hidden {d.Hyperparameters.EmbeddingLength})");
            if (Result.PromptTokens > 0)
                table.AddRow(d.TernaryType.ToString(), Model.Backend.Name, Threads.ToString(), $"pp{Result.PromptTokens}",
                    $"{Result.PromptTokensPerSecond:F1}", "", "");
            if (Result.GeneratedTokens > 0)
                table.AddRow(d.TernaryType.ToString(), Model.Backend.Name, Threads.ToString(),
                    FullLogits ? $"tg{Result.GeneratedTokens}" : $"tg{Result.GeneratedTokens} top-{TopK}",
                    $"{Result.GenerationTokensPerSecond:F1}",
                    $"{GenerationBytesPerSecond / 1e9:F1}", $"{RooflinePercent:F0}%");
            AnsiConsole.Write(table);
            string bandwidth = Result.BandwidthRuns.Length == 0 ? "" :
                $"read bandwidth measured after each run {Result.BandwidthRuns.Min() / 1e9:F1}–{Result.BandwidthRuns.Max() / 1e9:F1} GB/s " +
                $"(median {Bandwidth / 1e9:F1}: roofline {RooflineTokensPerSecond:F1} tok/s); ";
            string weights = FullLogits ? $"weights read per token {BytesPerToken / 1e6:F1} MB" :
                $"weights read per token {BytesPerToken / 1e6:F1} MB (top-{TopK}: the output layer read {100 * Result.GenerationOutputReadFraction:F0}% " +
                $"of its {OutputBytes / 1e6:F0} MB, its int8 screen and the rows that can matter)";
            Console.Out.WriteLine($"device: {Model.Backend.DeviceDescription}; KV cache {Model.Graph.CacheType.Name()}; {weights}; " +
                                  $"{bandwidth}median of {Result.Repeats}");
        }
    }
}
