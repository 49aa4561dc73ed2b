using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Graph;
using BitNet.Gpu.Tests.Support;
using Xunit.Abstractions;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// Whole models with the int8 output layer's arithmetic (<see cref="CpuWithInt8OutputLayer"/>: the CPU backend with the
/// host reference that the device kernels equal) against the CPU backend's F16 output layer, on the same hidden states:
/// the logits of every prompt position, compared as max and mean |int8 − F16| relative to the position's largest |logit|,
/// and the greedy token of every position. The figures are printed (benchmarks/README.md records them).
/// </summary>
public sealed class IlgpuInt8OutputFidelityTests(ITestOutputHelper output)
{
    /// <summary>At most this share of the largest |logit| at any position (measured 2026-12-05: see the tests' output).</summary>
    const double Tolerance = 0.02;

    [Fact]
    public void BundledModel_Int8LogitsStayNearF16()
    {
        var tokens = BundledModel.Int32s("passage_tokens.i32");
        Compare("bundled bitnet-sotu-6m", BundledModel.Path, tokens, requireSameGreedyTokens: true);
    }

    [Fact]
    public void SyntheticModel_Int8LogitsStayNearF16()
    {
        var random = new Random(5);
        var tokens = Enumerable.Range(0, 48).Select(_ => random.Next(512)).ToArray();
        // Random weights give near-ties between logits that any rounding may flip: greedy tokens are reported, not required.
        Compare("synthetic tiny (random weights)", SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S), tokens, requireSameGreedyTokens: false);
    }

    void Compare(string name, string path, int[] tokens, bool requireSameGreedyTokens)
    {
        var registry = new BackendRegistry();
        registry.Register(new BackendRegistry.DelegateProvider("int8", () => [new BackendDevice("int8", 0, "host", "") { IsGpu = false }],
            _ => new CpuWithInt8OutputLayer()));
        var f16 = GraphNumericsTests.PromptLogits(path, "cpu", tokens, tokens.Length, KvCacheType.F32, registry);
        var int8 = GraphNumericsTests.PromptLogits(path, "int8", tokens, tokens.Length, KvCacheType.F32, registry);
        int vocab = f16.Length / tokens.Length;

        double worst = 0, meanSum = 0;
        int sameGreedy = 0;
        for (int p = 0; p < tokens.Length; p++)
        {
            var expected = f16.AsSpan(p * vocab, vocab);
            var actual = int8.AsSpan(p * vocab, vocab);
            double largest = 0, largestError = 0, errorSum = 0;
            for (int v = 0; v < vocab; v++)
            {
                largest = Math.Max(largest, Math.Abs(expected[v]));
                double error = Math.Abs(expected[v] - actual[v]);
                largestError = Math.Max(largestError, error);
                errorSum += error;
            }
            worst = Math.Max(worst, largestError / largest);
            meanSum += errorSum / vocab / largest;
            if (ArgMax(expected) == ArgMax(actual)) sameGreedy++;
        }
        output.WriteLine($"{name}: {tokens.Length} positions, vocab {vocab}: max |Δ|/max|logit| {worst:P3}, mean {meanSum / tokens.Length:P3}, " +
                         $"greedy token unchanged at {sameGreedy}/{tokens.Length}");
        Assert.True(worst <= Tolerance, $"{name}: max |int8 − F16| is {worst:P3} of the largest |logit|");
        if (requireSameGreedyTokens) Assert.Equal(tokens.Length, sameGreedy);
    }

    static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
