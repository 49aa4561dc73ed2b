using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Cpu;
using BitNet.Gpu.Engine.Benchmarking;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>
/// bench --profile's wrapper: the graph computes the same logits through it, and what it records matches the graph's
/// structure (calls per layer) and the weights it reads (bytes per token), only while recording.
/// </summary>
public class ProfilingBackendTests
{
    static readonly int[] Prompt = [1, 17, 5, 42, 9];

    [Theory]
    [InlineData("bitnet-b1.58", GgmlType.I2_S)]
    [InlineData("llama", GgmlType.TQ1_0)]
    public void GraphThroughTheWrapper_GivesTheSameLogits(string architecture, GgmlType type)
    {
        using var file = GgufFile.Open(SyntheticModels.Tiny(architecture, type));
        var description = ModelDescriptionReader.Read(file);
        var plain = Logits(description, wrap: false);
        var profiled = Logits(description, wrap: true);
        Assert.Equal(plain, profiled); // bit for bit: the wrapper only forwards
        Assert.Contains(plain, value => value != 0 && float.IsFinite(value));
    }

    static float[] Logits(ModelDescription description, bool wrap)
    {
        using var cpu = new CpuBackend(2);
        using var profiler = new ProfilingBackend(cpu);
        profiler.Profile.Start();
        using var graph = new TransformerGraph(description, wrap ? profiler : cpu, contextLength: 16, maxBatch: 4);
        var logits = new float[graph.VocabSize * 2];
        logits.AsSpan().Fill(float.NaN);
        graph.Forward(Prompt, logits.AsSpan(0, graph.VocabSize));                  // two batches of the prompt
        graph.ForwardTop([3], logits.AsSpan(graph.VocabSize), topK: 4, alwaysExact: [2]); // a generated token, screened
        return logits;
    }

    [Fact]
    public void Records_EachLayersOperations_AndTheWeightBytesOfAToken()
    {
        using var model = LoadedModel.Load(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S),
            new LoadOptions { Backend = "cpu", ContextLength = 32, Profile = true }, new BackendRegistry());
        var profile = model.Profile!;
        var logits = new float[model.Graph.VocabSize];
        model.Graph.Forward([1, 2, 3], logits);
        Assert.Empty(profile.Entries); // not recording yet

        const int tokens = 3;
        profile.Start();
        for (int i = 0; i < tokens; i++) model.Graph.Forward([4 + i], logits);
        profile.Stop();
        model.Graph.Forward([9], logits);

        int layers = model.Description.Layers.Count;
        Assert.Equal(tokens, profile.Steps);
        Assert.Equal(tokens, profile.Tokens);
        var calls = profile.Entries.ToDictionary(e => e.Operation, e => e.Calls / tokens);
        Assert.Equal(1, calls["embed"]);
        Assert.Equal(4 * layers + 1, calls["rms_norm"]); // attn_norm, attn_sub_norm, ffn_norm, ffn_sub_norm; output_norm
        Assert.Equal(4 * layers, calls["quantize"]); // the inputs of q/k/v, attn_output, gate/up and down
        Assert.Equal(layers, calls["ternary attn_q+attn_k+attn_v"]);
        Assert.Equal(layers, calls["ternary attn_output"]);
        Assert.Equal(layers, calls["ternary ffn_gate+ffn_up"]);
        Assert.Equal(layers, calls["ternary ffn_down"]);
        Assert.Equal(2 * layers, calls["rope"]);
        Assert.Equal(layers, calls["attention"]);
        Assert.Equal(1, calls["dense token_embd"]); // tied output
        Assert.Equal(1, calls["read logits"]);
        Assert.Equal("embed", profile.Entries[0].Operation); // the order the graph issues them

        long bytes = profile.Entries.Sum(e => e.Bytes);
        Assert.Equal(model.Graph.WeightBytesPerToken * tokens, bytes);
        Assert.All(profile.Entries, e => Assert.True(e.Time > TimeSpan.Zero, e.Operation));
        var sum = profile.Entries.Aggregate(TimeSpan.Zero, (total, e) => total + e.Time);
        Assert.InRange(Math.Abs((sum - profile.Total).Ticks), 0, profile.Entries.Count); // each entry rounds to a tick
    }

    [Fact]
    public void Benchmark_RecordsOnlyTheTimedGenerationRuns()
    {
        using var model = LoadedModel.Load(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.TQ2_0),
            new LoadOptions { Backend = "cpu", ContextLength = 32, Profile = true }, new BackendRegistry());
        ModelBenchmark.Run(model.Graph, promptTokens: 8, generatedTokens: 5, repeats: 2, generationProfile: model.Profile);
        Assert.Equal(2 * 5, model.Profile!.Steps); // not the warm-up's 4, nor the prompt's batches
        Assert.False(model.Profile.Recording);
    }

    [Theory]
    [InlineData("blk.12.attn_q.weight", "attn_q")]
    [InlineData("blk.0.ffn_down.weight", "ffn_down")]
    [InlineData("token_embd.weight", "token_embd")]
    [InlineData("output.weight", "output")]
    [InlineData("blk.x.odd", "blk.x.odd")]
    [InlineData("weight", "weight")]
    public void TensorKind_DropsTheLayerAndSuffix(string tensor, string kind) =>
        Assert.Equal(kind, ProfilingBackend.TensorKind(tensor));
}
