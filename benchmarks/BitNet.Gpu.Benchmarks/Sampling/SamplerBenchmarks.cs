using BenchmarkDotNet.Attributes;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Benchmarks.Sampling;

/// <summary>
/// One sampling step over a Llama-3-sized vocabulary (128,256 logits, normal with σ = 3, seeded) for the
/// settings a user is likely to run. Every step includes the copy of the logits.
/// </summary>
[MemoryDiagnoser]
public class SamplerBenchmarks
{
    private const int Vocab = 128_256;

    private float[] _logits = [];
    private int[] _recent = [];
    private Sampler _greedy = null!, _defaults = null!, _topPWholeVocab = null!, _topPWithMinP = null!, _penalties = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1234);
        _logits = new float[Vocab];
        for (int i = 0; i < Vocab; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            _logits[i] = (float)(3 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        _recent = Enumerable.Range(0, 512).Select(_ => random.Next(Vocab)).ToArray();

        _greedy = new Sampler(new SamplerOptions { Temperature = 0, Seed = 1 }, Vocab);
        _defaults = new Sampler(new SamplerOptions { Seed = 1 }, Vocab);
        _topPWholeVocab = new Sampler(new SamplerOptions { TopK = 0, TopP = 0.95f, MinP = 0, Seed = 1 }, Vocab);
        _topPWithMinP = new Sampler(new SamplerOptions { TopK = 0, TopP = 0.95f, MinP = 0.05f, Seed = 1 }, Vocab);
        _penalties = new Sampler(new SamplerOptions
        {
            RepeatPenalty = 1.1f, FrequencyPenalty = 0.2f, PresencePenalty = 0.2f, PenaltyWindow = 64, Seed = 1,
        }, Vocab);
    }

    [Benchmark(Baseline = true)]
    public int Greedy() => _greedy.Sample(_logits, _recent);

    [Benchmark(Description = "Defaults (temp 0.8, top-k 40, top-p 0.95, min-p 0.05)")]
    public int Defaults() => _defaults.Sample(_logits, _recent);

    [Benchmark(Description = "Top-k off, top-p 0.95, min-p off")]
    public int TopPWholeVocabulary() => _topPWholeVocab.Sample(_logits, _recent);

    [Benchmark(Description = "Top-k off, top-p 0.95, min-p 0.05")]
    public int TopPWithMinP() => _topPWithMinP.Sample(_logits, _recent);

    [Benchmark(Description = "Defaults + repeat/frequency/presence penalties over 64 tokens")]
    public int DefaultsWithPenalties() => _penalties.Sample(_logits, _recent);
}
