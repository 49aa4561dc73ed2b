using System.Diagnostics;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Synthetic;

namespace BitNet.Gpu.Engine.Checking;

/// <summary>What <see cref="ModelCheck"/> found: the largest and mean |Δlogit| relative to the largest logit, and why it failed.</summary>
public sealed record ModelCheckOutcome(string Backend, string Model, double MaxError, double MeanError, TimeSpan Time, string? Failure)
{
    public bool Passed => Failure is null;
}

/// <summary>
/// The whole graph on a tiny random model: a backend's logits for a prompt and a few greedy tokens against the CPU
/// backend's, within max |Δlogit| ≤ 5% and mean ≤ 0.5% of the largest logit. Looser than the graph tests' fixed-seed
/// tolerance because every run draws a fresh model: float sums in another order can move one activation across an int8
/// rounding boundary, and in a model this small that one step shows in every later logit (over 120 seeds on lavapipe,
/// 2026-12-05: 8 such flips, the worst 1.5% max and 0.21% mean), while a wrong kernel moves logits by tens of percent
/// and the operation checks hold each kernel to its own tight tolerance.
/// <code>var outcome = ModelCheck.Run("vulkan", registry, new BackendOptions(), seed: 1);</code>
/// </summary>
public static class ModelCheck
{
    public const double MaxTolerance = 5e-2, MeanTolerance = 5e-3;
    const int PromptTokens = 8, GeneratedTokens = 3;

    public static ModelCheckOutcome Run(string backend, BackendRegistry registry, BackendOptions options, int seed, string architecture = "bitnet-b1.58")
    {
        string folder = Directory.CreateTempSubdirectory("bitnet-gpu-check-").FullName;
        string model = $"tiny {architecture} I2_S";
        try
        {
            string path = Path.Combine(folder, "tiny.gguf");
            SyntheticModel.Write(SyntheticModelOptions.Tiny with { Architecture = architecture, TernaryType = GgmlType.I2_S, Seed = (ulong)seed, ContextLength = 64 }, path);
            var random = new Random(seed);
            // The tiny preset's vocabulary has 512 tokens; any of the first 256 is a valid id.
            var prompt = Enumerable.Range(0, PromptTokens).Select(_ => random.Next(256)).ToArray();
            var generated = new int[GeneratedTokens];
            var expected = Logits(path, "cpu", registry, new BackendOptions(), prompt, generated, chooseTokens: true);
            var clock = Stopwatch.StartNew();
            float[] actual;
            try { actual = Logits(path, backend, registry, options, prompt, generated, chooseTokens: false); }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                return new ModelCheckOutcome(backend, model, double.PositiveInfinity, double.PositiveInfinity, clock.Elapsed, error.Message);
            }
            var time = clock.Elapsed;
            var (maxError, mean, failure) = Compare(expected, actual);
            return new ModelCheckOutcome(backend, model, maxError, mean, time, failure);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>max and mean |actual − expected| relative to max |expected|, and why they fail the model tolerances, or null.</summary>
    public static (double MaxError, double MeanError, string? Failure) Compare(float[] expected, float[] actual)
    {
        var (maxError, failure) = BackendCheck.Compare(expected, actual, MaxTolerance);
        double scale = expected.Max(v => Math.Abs(v));
        double mean = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Average() / scale;
        if (failure is null && mean > MeanTolerance) failure = $"mean |Δlogit| {mean:E2} of the largest logit > {MeanTolerance:E0}";
        return (maxError, mean, failure);
    }

    /// <summary>Every prompt position's logits, then each of a few greedy tokens'. The CPU backend's run chooses the tokens
    /// (<paramref name="chooseTokens"/>) and the checked backend is given the same ones: choosing from its own logits
    /// would take another token wherever two logits nearly tie, and every later logit would differ for that alone.</summary>
    static float[] Logits(string path, string backend, BackendRegistry registry, BackendOptions options, int[] prompt, int[] generated, bool chooseTokens)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = backend, BackendOptions = options, ContextLength = 64, CacheType = KvCacheType.F32 }, registry);
        int vocab = model.Graph.VocabSize;
        var logits = new float[(prompt.Length + GeneratedTokens) * vocab];
        model.Graph.Forward(prompt, logits.AsSpan(0, prompt.Length * vocab), allLogits: true);
        for (int i = 0; i < GeneratedTokens; i++)
        {
            if (chooseTokens) generated[i] = Greedy(logits.AsSpan((prompt.Length + i - 1) * vocab, vocab));
            model.Graph.Forward([generated[i]], logits.AsSpan((prompt.Length + i) * vocab, vocab));
        }
        return logits;
    }

    static int Greedy(ReadOnlySpan<float> logits)
    {
        int token = 0;
        for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[token]) token = v;
        return token;
    }
}
