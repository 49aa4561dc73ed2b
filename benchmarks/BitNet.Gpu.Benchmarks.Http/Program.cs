using System.Text;
using System.Text.Json;
using BitNet.Gpu;
using BitNet.Gpu.Benchmarks.Http;
using BitNet.Gpu.Server;

// Usage: dotnet run -c Release --project benchmarks/BitNet.Gpu.Benchmarks.Http -- [MODEL.gguf] [seconds=10] [clients=1,4,8] [rounds=2] [tokens=64] [ctx=0, the model's]
// For each client count: a server with that many slots; the same streamed greedy completions (64 tokens unless told) sent by N
// clients directly to its BitNetModel and through HTTP (POST /v1/completions, stream, include_usage), alternating.
string model = args.Length > 0 ? args[0] : FindBundledModel();
var duration = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10);
int[] counts = args.Length > 2 ? args[2].Split(',').Select(int.Parse).ToArray() : [1, 4, 8];
int rounds = args.Length > 3 ? int.Parse(args[3]) : 2;
int MaxTokens = args.Length > 4 ? int.Parse(args[4]) : 64;
int context = args.Length > 5 ? int.Parse(args[5]) : 0;
const string Prompt = "The state of the Union";

Console.WriteLine($"model {Path.GetFileName(model)}, {duration.TotalSeconds:F0} s per run, {MaxTokens} tokens per request, {Environment.ProcessorCount} cores");
Console.WriteLine("| clients | direct req/s | direct tok/s | HTTP req/s | HTTP tok/s | HTTP cost |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (int clients in counts)
{
    await using var server = await BitNetServer.StartAsync(new ServerOptions
    {
        ModelPath = model,
        Model = new BitNetModelOptions { Backend = "cpu", Parallel = clients, ContextLength = context },
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

    await LoadRun.RunAsync(clients, TimeSpan.FromSeconds(2), Direct);      // warm up both paths
    await LoadRun.RunAsync(clients, TimeSpan.FromSeconds(2), ThroughHttp);
    for (int round = 0; round < rounds; round++)
    {
        var direct = await LoadRun.RunAsync(clients, duration, Direct);
        var viaHttp = await LoadRun.RunAsync(clients, duration, ThroughHttp);
        double cost = 1 - viaHttp.TokensPerSecond / direct.TokensPerSecond;
        Console.WriteLine($"| {clients} | {direct.RequestsPerSecond:F1} | {direct.TokensPerSecond:F0} | {viaHttp.RequestsPerSecond:F1} | {viaHttp.TokensPerSecond:F0} | {cost * 100:F1}% |");
    }
}

static string FindBundledModel()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "models", "bitnet-sotu-6m-i2_s.gguf");
        if (File.Exists(candidate)) return candidate;
    }
    throw new FileNotFoundException("models/bitnet-sotu-6m-i2_s.gguf not found; pass a model path");
}
