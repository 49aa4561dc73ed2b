using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Graph;

/// <summary>TransformerGraph.Inspect: the named intermediates, in graph order, and the same on every backend.</summary>
public class GraphInspectionTests
{
    static readonly BackendRegistry Registry = new();

    static readonly string[] LayerNames =
        ["attn_norm", "Vcur", "Qcur", "Kcur", "kqv_out", "attn_sub_norm", "attn_o_out", "ffn_inp",
         "ffn_norm", "ffn_gate", "ffn_up", "ffn_out", "ffn_sub_norm", "ffn_down", "l_out"];

    /// <summary>Runs 5 tokens as one batch and returns (name, values) of every intermediate, plus the logits.</summary>
    static (List<(string Name, float[] Values)> Intermediates, float[] Logits) Run(string path, string backend)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = backend, ContextLength = 32, CacheType = KvCacheType.F32 }, Registry);
        var seen = new List<(string, float[])>();
        model.Graph.Inspect = (name, buffer, rows) =>
        {
            var values = new float[rows * buffer.Cols];
            model.Backend.Read(buffer, rows, values);
            seen.Add((name, values));
        };
        var logits = new float[5 * model.Graph.VocabSize];
        model.Graph.Forward([3, 141, 59, 26, 5], logits, allLogits: true);
        return (seen, logits);
    }

    [Fact]
    public void Inspect_SeesEveryNamedIntermediateInGraphOrder()
    {
        var (intermediates, logits) = Run(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S), "cpu");
        var expected = Enumerable.Range(0, 2).SelectMany(layer => LayerNames.Select(name => $"{name}-{layer}"))
            .Append("result_norm").Append("result_output");
        Assert.Equal(expected, intermediates.Select(i => i.Name));
        Assert.Equal(logits, intermediates[^1].Values); // result_output is what Forward returned
    }

    [Fact]
    public void Inspect_WithoutSubNorms_SkipsTheirNames()
    {
        var (intermediates, _) = Run(SyntheticModels.Tiny("llama", GgmlType.I2_S), "cpu");
        Assert.DoesNotContain(intermediates, i => i.Name.StartsWith("attn_sub_norm") || i.Name.StartsWith("ffn_sub_norm"));
        Assert.Contains(intermediates, i => i.Name == "kqv_out-1");
    }

    [Theory]
    [InlineData(GgmlType.I2_S)]
    [InlineData(GgmlType.TQ1_0)]
    public void Inspect_CpuIntermediatesMatchTheReference(GgmlType type)
    {
        // The layer-by-layer view of GraphNumericsTests: each intermediate within 1% of its largest value.
        string path = SyntheticModels.Tiny("bitnet-b1.58", type);
        var reference = Run(path, "reference").Intermediates;
        var cpu = Run(path, "cpu").Intermediates;
        Assert.Equal(reference.Select(i => i.Name), cpu.Select(i => i.Name));
        for (int i = 0; i < reference.Count; i++)
            BackendOpsTests.AssertClose(reference[i].Values, cpu[i].Values, 1e-2, reference[i].Name);
    }
}
