using System.Text;
using System.Text.Json;
using BitNet.Gpu;
using BitNet.Gpu.Benchmarks.Http;
using BitNet.Gpu.Server;

// Usage: dotnet run -c Release --project benchmarks/BitNet.Gpu.Benchmarks.Http -- [MODEL.gguf] [seconds=10] [clients=1,4,8] [rounds=2] [tokens=64] [ctx=0, the model's] [threads=0, one per core]
// For each client count: a server with that many slots; the same streamed greedy completions (64 tokens unless told) sent by N
// clients directly to its BitNetModel and through HTTP (POST /v1/completions, stream, include_usage), alternating;
// the median of the rounds' HTTP cost, and the CPU time per token of the engine's threads and of all the others.
string model = args.Length > 0 ? args[0] : FindBundledModel();
var duration = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10);
int[] counts = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : [1, 4, 8];
int rounds = args.Length > 3 ? int.Parse(args[3]) : 2;
int MaxTokens = args.Length > 4 ? int.Parse(args[4]) : 64;
int context = args.Length > 5 ? int.Parse(args[5]) : 0;
int threads = args.Length > 6 ? int.Parse(args[6]) : 0;
const string Prompt = "The state of the Union";

Console.WriteLine($"model {Path.GetFileName(model)}, {duration.TotalSeconds:F0} s per run, {MaxTokens} tokens per request, {Environment.ProcessorCount} cores, engine threads {(threads > 0 ? threads.ToString() : "one per core")}");
Console.WriteLine("| clients | direct req/s | direct tok/s | HTTP req/s | HTTP tok/s | HTTP cost | CPU µs/token direct: engine + rest | HTTP: engine + rest |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (int clients in counts)
{
    await using var server = await BitNetServer.StartAsync(new ServerOptions
    {
        ModelPath = model,
        Model = new BitNetModelOptions { Backend = "cpu", Parallel = clients, ContextLength = context, Threads = threads },
        Port = 0,
    });
    await server.ModelLoaded;
    var bitnet = server.Model!;
    int[] prompt = bitnet.TokenizePrompt(Prompt);
    var options = new CompletionOptions { Temperature = 0, MaxTokens = MaxTokens };

    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = server.Address };
    string body = JsonSerializer.Serialize(new { prompt = Prompt, max_tokens = MaxTokens, temperature = 0, stream = true, stream_options = new { include_usage = true } });

    async Task<int> Direct()
    {
        var result = await bitnet.CompleteAsync(prompt, options);
        return result.CompletionTokens;
    }

    async Task<int> ThroughHttp()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        int tokens = -1;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Contains("\"usage\":{", StringComparison.Ordinal))
                tokens = JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
            if (line == "data: [DONE]") break;
        }
        return tokens >= 0 ? tokens : throw new InvalidOperationException("the stream had no usage chunk");
    }

    async Task<(LoadRun.Result Load, ThreadTimes Cpu)> Measure(TimeSpan time, Func<Task<int>> oneRequest)
    {
        var before = ThreadTimes.Snapshot.Take();
        var load = await LoadRun.RunAsync(clients, time, oneRequest);
        return (load, ThreadTimes.Between(before, ThreadTimes.Snapshot.Take()));
    }

    // Warm up both paths until the JIT's background compiler is done with them: while it recompiles hot methods it
    // takes a core from the engine, and the HTTP path has many more methods to recompile (after 30 calls each, which
    // at a few requests a second takes a while).
    for (int warmup = 0; warmup < 10; warmup++)
    {
        var (_, directCpu) = await Measure(TimeSpan.FromSeconds(2), Direct);
        var (_, httpCpu) = await Measure(TimeSpan.FromSeconds(2), ThroughHttp);
        if (directCpu.JitMs + httpCpu.JitMs < 20) break;
    }
    var costs = new List<double>();
    for (int round = 0; round < rounds; round++)
    {
        var direct = await Measure(duration, Direct);
        var viaHttp = await Measure(duration, ThroughHttp);
        double cost = 1 - viaHttp.Load.TokensPerSecond / direct.Load.TokensPerSecond;
        costs.Add(cost);
        Console.WriteLine($"| {clients} | {direct.Load.RequestsPerSecond:F1} | {direct.Load.TokensPerSecond:F0} | {viaHttp.Load.RequestsPerSecond:F1} | {viaHttp.Load.TokensPerSecond:F0} | " +
                          $"{cost * 100:F1}% | {PerToken(direct)} | {PerToken(viaHttp)} |");
    }
    costs.Sort();
    Console.WriteLine($"clients {clients}: median HTTP cost {costs[costs.Count / 2] * 100:F1}% over {rounds} rounds");
}

static string PerToken((LoadRun.Result Load, ThreadTimes Cpu) run) =>
    $"{run.Cpu.EngineMs * 1e3 / run.Load.Tokens:F0} + {(run.Cpu.OtherMs + run.Cpu.JitMs) * 1e3 / run.Load.Tokens:F0}";

static string FindBundledModel()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "models", "bitnet-sotu-6m-i2_s.gguf");
        if (File.Exists(candidate)) return candidate;
    }
    throw new FileNotFoundException("models/bitnet-sotu-6m-i2_s.gguf not found; pass a model path");
}
