using System.Diagnostics;
using BitNet.Gpu.Engine.Graph;

namespace BitNet.Gpu.Engine.Benchmarking;

/// <summary>Median speeds of prompt processing and generation, measured like llama-bench.</summary>
public sealed record BenchmarkResult(
    int PromptTokens, int GeneratedTokens, int Repeats,
    double PromptTokensPerSecond, double GenerationTokensPerSecond,
    double[] PromptRuns, double[] GenerationRuns);

/// <summary>
/// llama-bench's two tests on a loaded graph: pp (a prompt of random tokens in batches, from an empty cache) and
/// tg (tokens one at a time from an empty cache). One warm-up run first; each test repeated; the median reported.
/// Each timed run ends with the logits read back, so the device has finished.
/// </summary>
public static class ModelBenchmark
{
    public static BenchmarkResult Run(TransformerGraph graph, int promptTokens, int generatedTokens, int repeats, int seed = 1234)
    {
        if (promptTokens < 0 || generatedTokens < 0 || promptTokens + generatedTokens == 0)
            throw new ArgumentException("-p and -n must be zero or more, and not both zero");
        if (Math.Max(promptTokens, generatedTokens) > graph.ContextLength)
            throw new ArgumentException($"-p {promptTokens} / -n {generatedTokens} do not fit the context of {graph.ContextLength} (use --ctx)");
        if (repeats <= 0) throw new ArgumentException($"--repeat must be positive, got {repeats}");

        var random = new Random(seed);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(graph.VocabSize)).ToArray();
        var logits = new float[graph.VocabSize];

        // Warm-up: compiles kernels, touches every weight once.
        if (promptTokens > 0) TimePrompt(graph, prompt, logits);
        if (generatedTokens > 0) TimeGeneration(graph, Math.Min(generatedTokens, 4), random, logits);

        var pp = new double[promptTokens > 0 ? repeats : 0];
        var tg = new double[generatedTokens > 0 ? repeats : 0];
        for (int r = 0; r < repeats; r++)
        {
            if (promptTokens > 0) pp[r] = promptTokens / TimePrompt(graph, prompt, logits);
            if (generatedTokens > 0) tg[r] = generatedTokens / TimeGeneration(graph, generatedTokens, random, logits);
        }
        return new BenchmarkResult(promptTokens, generatedTokens, repeats, Median(pp), Median(tg), pp, tg);
    }

    static double TimePrompt(TransformerGraph graph, int[] prompt, float[] logits)
    {
        graph.Reset();
        var clock = Stopwatch.StartNew();
        graph.Forward(prompt, logits);
        return clock.Elapsed.TotalSeconds;
    }

    static double TimeGeneration(TransformerGraph graph, int count, Random random, float[] logits)
    {
        graph.Reset();
        int token = random.Next(graph.VocabSize);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            graph.Forward([token], logits);
            token = (token * 31 + 7) % graph.VocabSize; // no sampler: only the graph is measured
        }
        return clock.Elapsed.TotalSeconds;
    }

    static double Median(double[] values)
    {
        if (values.Length == 0) return 0;
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
