using BitNet.Gpu.Engine.Backends;
using System.Diagnostics;
using BitNet.Gpu.Engine.Graph;

namespace BitNet.Gpu.Engine.Benchmarking;

/// <summary>
/// Median speeds of prompt processing and generation, measured like llama-bench, and the memory read bandwidth
/// (bytes/s) measured right after each generation run when a probe was given (else empty).
/// <see cref="GenerationOutputReadFraction"/> is the mean share of the output projection's bytes each generated token read
/// (1 with every logit; about half with a top-k screen). With <see cref="Parallel"/> sequences generating at once, the
/// generation figures are aggregates: tokens of all sequences per second. <see cref="Depth"/> is the tokens every
/// sequence held in its KV cache before each test.
/// </summary>
public sealed record BenchmarkResult(
    int PromptTokens, int GeneratedTokens, int Repeats,
    double PromptTokensPerSecond, double GenerationTokensPerSecond,
    double[] PromptRuns, double[] GenerationRuns, double[] BandwidthRuns,
    double GenerationOutputReadFraction = 1, int Parallel = 1, int Depth = 0)
{
    /// <summary>Median of the bandwidth probes (0 when none ran).</summary>
    public double Bandwidth => ModelBenchmark.Median(BandwidthRuns);

    /// <summary>
    /// Median over runs of (bytes read per second while generating) / (bandwidth measured just after): each run is compared
    /// with the memory as it was then, since a shared machine's bandwidth drifts from minute to minute.
    /// </summary>
    public double RooflineFraction(long bytesPerToken) =>
        ModelBenchmark.Median(GenerationRuns.Zip(BandwidthRuns, (tokensPerSecond, bandwidth) => tokensPerSecond * bytesPerToken / bandwidth).ToArray());
}

/// <summary>
/// llama-bench's two tests on a loaded graph: pp (a prompt of random tokens in batches) and tg (tokens one at a time),
/// each from an empty cache or, with a depth, after that many tokens (llama-bench's <c>-d</c>: "pp128 @ d4096"). One
/// warm-up run first; each test repeated; the median reported. Each timed run ends with the logits read back, so the
/// device has finished.
/// </summary>
public static class ModelBenchmark
{
    /// <param name="bandwidthProbe">Measures the device's read bandwidth (bytes/s); run after every generation run.</param>
    /// <param name="generationTopK">0: generation computes every logit, as llama-bench does; K &gt; 0: only those a top-K
    /// sampler can use (<see cref="TransformerGraph.ForwardTop"/>), as <c>run</c> does.</param>
    /// <param name="generationProfile">When given, records the operations of the timed generation runs (not the warm-up
    /// or the prompt runs).</param>
    /// <param name="parallel">Sequences generating at once in the tg test, each its own slot and each step carrying one token
    /// of every sequence (the graph must hold that many sequences); the tg figures are then aggregates.</param>
    /// <param name="depth">Tokens of random text every sequence holds before each test (prefilled once, untimed; each run
    /// starts from there), so that attention reads a cache that deep.</param>
    public static BenchmarkResult Run(TransformerGraph graph, int promptTokens, int generatedTokens, int repeats,
                                      Func<double>? bandwidthProbe = null, int seed = 1234, int generationTopK = 0,
                                      OperationProfile? generationProfile = null, int parallel = 1, int depth = 0)
    {
        if (parallel < 1 || parallel > graph.Sequences)
            throw new ArgumentException($"--parallel {parallel} needs a graph of at least that many sequences (it holds {graph.Sequences})", nameof(parallel));
        if (parallel > graph.MaxBatch)
            throw new ArgumentException($"--parallel {parallel} is more than the {graph.MaxBatch} tokens a step holds (--batch-size)", nameof(parallel));
        if (generationTopK < 0) throw new ArgumentException($"--top-k must be zero or more, got {generationTopK}", nameof(generationTopK));
        if (promptTokens < 0 || generatedTokens < 0 || promptTokens + generatedTokens == 0)
            throw new ArgumentException("-p and -n must be zero or more, and not both zero (--n-prompt, --n-gen)", nameof(promptTokens));
        if (depth < 0) throw new ArgumentException($"-d must be zero or more, got {depth} (--n-depth)", nameof(depth));
        if ((long)depth + Math.Max(promptTokens, generatedTokens) > graph.ContextLength)
            throw new ArgumentException($"-d {depth} + -p {promptTokens} / -n {generatedTokens} do not fit the context of {graph.ContextLength} (use --ctx)", nameof(promptTokens));
        if (repeats <= 0) throw new ArgumentException($"--repeat must be positive, got {repeats}", nameof(repeats));

        var random = new Random(seed);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(graph.VocabSize)).ToArray();
        var logits = new float[graph.VocabSize];
        Prefill(graph, Enumerable.Range(0, depth).Select(_ => random.Next(graph.VocabSize)).ToArray(), parallel);

        // Warm-up: compiles kernels, touches every weight once.
        if (promptTokens > 0) TimePrompt(graph, prompt, logits, depth);
        if (parallel > 1) logits = new float[parallel * graph.VocabSize];
        if (generatedTokens > 0) TimeGeneration(graph, Math.Min(generatedTokens, 4), random, logits, generationTopK, parallel, depth);

        var pp = new double[promptTokens > 0 ? repeats : 0];
        var tg = new double[generatedTokens > 0 ? repeats : 0];
        var bandwidth = new double[generatedTokens > 0 && bandwidthProbe is not null ? repeats : 0];
        double outputReadSum = 0;
        for (int r = 0; r < repeats; r++)
        {
            if (promptTokens > 0) pp[r] = promptTokens / TimePrompt(graph, prompt, logits, depth);
            if (generatedTokens > 0)
            {
                generationProfile?.Start();
                var (seconds, outputRead) = TimeGeneration(graph, generatedTokens, random, logits, generationTopK, parallel, depth);
                generationProfile?.Stop();
                tg[r] = (double)generatedTokens * parallel / seconds;
                outputReadSum += outputRead;
            }
            if (bandwidth.Length > 0) bandwidth[r] = bandwidthProbe!();
        }
        double outputReadFraction = generatedTokens > 0 ? outputReadSum / ((double)generatedTokens * repeats) : 1;
        return new BenchmarkResult(promptTokens, generatedTokens, repeats, Median(pp), Median(tg), pp, tg, bandwidth, outputReadFraction, parallel, depth);
    }

    /// <summary>Fills sequences 0 .. count − 1 with <paramref name="tokens"/>, a step of up to <see cref="TransformerGraph.MaxBatch"/> tokens at a time.</summary>
    static void Prefill(TransformerGraph graph, int[] tokens, int count)
    {
        graph.Reset();
        for (int s = 0; s < count; s++)
            for (int start = 0; start < tokens.Length; start += graph.MaxBatch)
            {
                var piece = tokens.AsMemory(start, Math.Min(graph.MaxBatch, tokens.Length - start));
                graph.ForwardBatch([new SequenceChunk(s, piece, WantsLogits: false)], []);
            }
    }

    /// <summary>Takes sequences 0 .. count − 1 back to the prefilled <paramref name="depth"/>.</summary>
    static void Rewind(TransformerGraph graph, int count, int depth)
    {
        for (int s = 0; s < count; s++) graph.TruncateSequence(s, depth);
    }

    static double TimePrompt(TransformerGraph graph, int[] prompt, float[] logits, int depth)
    {
        Rewind(graph, 1, depth);
        var clock = Stopwatch.StartNew();
        graph.Forward(prompt, logits);
        return clock.Elapsed.TotalSeconds;
    }

    /// <returns>The seconds taken, and the sum over steps of the share of the output projection read.</returns>
    static (double Seconds, double OutputRead) TimeGeneration(TransformerGraph graph, int count, Random random, float[] logits, int topK, int parallel, int depth)
    {
        Rewind(graph, parallel, depth);
        var tokens = Enumerable.Range(0, parallel).Select(_ => random.Next(graph.VocabSize)).ToArray();
        var chunks = new SequenceChunk[parallel];
        double outputRead = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            if (parallel == 1)
            {
                if (topK > 0) graph.ForwardTop([tokens[0]], logits, topK, []);
                else graph.Forward([tokens[0]], logits);
            }
            else
            {
                for (int s = 0; s < parallel; s++) chunks[s] = new SequenceChunk(s, new[] { tokens[s] }, WantsLogits: true) { TopK = topK };
                graph.ForwardBatch(chunks, logits);
            }
            outputRead += graph.LastOutputReadFraction;
            for (int s = 0; s < parallel; s++) tokens[s] = (tokens[s] * 31 + 7) % graph.VocabSize; // no sampler: only the graph is measured
        }
        return (clock.Elapsed.TotalSeconds, outputRead);
    }

    internal static double Median(double[] values)
    {
        if (values.Length == 0) return 0;
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
