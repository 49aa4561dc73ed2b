using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Engine.Benchmarking;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Benchmarking;

public class ModelBenchmarkTests
{
    static TransformerGraph TinyGraph(GgufFile file, CpuBackend backend) =>
        new(ModelDescriptionReader.Read(file), backend, contextLength: 64, maxBatch: 8);

    [Fact]
    public void Run_ProbesBandwidthAfterEachGenerationRun_AndComparesEachRunWithItsOwnProbe()
    {
        using var file = GgufFile.Open(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S));
        using var backend = new CpuBackend(1);
        using var graph = TinyGraph(file, backend);
        double[] probes = [10e9, 30e9, 20e9];
        int calls = 0;

        var result = ModelBenchmark.Run(graph, promptTokens: 8, generatedTokens: 4, repeats: 3, bandwidthProbe: () => probes[calls++]);

        Assert.Equal(3, calls);
        Assert.Equal(probes, result.BandwidthRuns);
        Assert.Equal(20e9, result.Bandwidth);
        Assert.All(result.PromptRuns.Concat(result.GenerationRuns), speed => Assert.True(speed > 0 && double.IsFinite(speed)));
        const long bytesPerToken = 1_000_000;
        var perRun = result.GenerationRuns.Zip(probes, (speed, bandwidth) => speed * bytesPerToken / bandwidth).Order().ToArray();
        Assert.Equal(perRun[1], result.RooflineFraction(bytesPerToken), 12);
    }

    [Fact]
    public void Run_WithoutGeneration_ProbesNothing()
    {
        using var file = GgufFile.Open(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S));
        using var backend = new CpuBackend(1);
        using var graph = TinyGraph(file, backend);
        var result = ModelBenchmark.Run(graph, promptTokens: 8, generatedTokens: 0, repeats: 2, bandwidthProbe: () => throw new InvalidOperationException("not expected"));
        Assert.Empty(result.BandwidthRuns);
        Assert.Equal(0, result.Bandwidth);
    }

    [Fact]
    public void Run_WithADepth_TimesEveryTestAfterThatManyTokensOfEachSequence()
    {
        using var file = GgufFile.Open(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S));
        using var backend = new CpuBackend(1);
        using var graph = new TransformerGraph(ModelDescriptionReader.Read(file), backend, contextLength: 64, maxBatch: 8, sequences: 3);

        var result = ModelBenchmark.Run(graph, promptTokens: 6, generatedTokens: 4, repeats: 2, parallel: 3, depth: 21);

        Assert.Equal(21, result.Depth);
        Assert.True(result.PromptTokensPerSecond > 0 && result.GenerationTokensPerSecond > 0);
        // The last run generated 4 tokens of each sequence after the 21 filled in.
        for (int s = 0; s < 3; s++) Assert.Equal(25, graph.SequenceLength(s));
        Assert.Throws<ArgumentException>(() => ModelBenchmark.Run(graph, promptTokens: 8, generatedTokens: 1, repeats: 1, depth: 57));
        Assert.Throws<ArgumentException>(() => ModelBenchmark.Run(graph, promptTokens: 8, generatedTokens: 1, repeats: 1, depth: -1));
    }

    [Fact]
    public void Run_RejectsTestsThatDoNotFitTheContext()
    {
        using var file = GgufFile.Open(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S));
        using var backend = new CpuBackend(1);
        using var graph = TinyGraph(file, backend);
        Assert.Throws<ArgumentException>(() => ModelBenchmark.Run(graph, promptTokens: 65, generatedTokens: 1, repeats: 1));
        Assert.Throws<ArgumentException>(() => ModelBenchmark.Run(graph, promptTokens: 0, generatedTokens: 0, repeats: 1));
    }
}
