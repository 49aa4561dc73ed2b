using System.Diagnostics;

namespace BitNet.Gpu.Benchmarks.Http;

/// <summary>
/// N clients, each sending one completion after another until the time is up (the one in flight then finishes):
/// requests/s and generated tokens/s over the whole run.
/// </summary>
public static class LoadRun
{
    /// <summary>What a run measured.</summary>
    public sealed record Result(int Clients, int Requests, long Tokens, TimeSpan Elapsed)
    {
        public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;
        public double TokensPerSecond => Tokens / Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="clients"/> loops of <paramref name="oneRequest"/> (which returns the tokens it generated) for <paramref name="duration"/>.</summary>
    public static async Task<Result> RunAsync(int clients, TimeSpan duration, Func<Task<int>> oneRequest)
    {
        int requests = 0;
        long tokens = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                int generated = await oneRequest();
                Interlocked.Increment(ref requests);
                Interlocked.Add(ref tokens, generated);
            }
        })));
        return new Result(clients, requests, tokens, clock.Elapsed);
    }
}
