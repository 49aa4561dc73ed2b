using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// Whole steps replayed at graph level (<see cref="IStepReplay"/>) on Vulkan (lavapipe, validation on): a graph that
/// replays gives the same logits, bit for bit, as one that issues every operation (<see cref="TransformerGraph.ReplaySteps"/>
/// off), over prompt chunks, one-token steps at growing positions, top-k steps, all-token logits and steps of several
/// sequences; and it does replay most of them.
/// </summary>
public sealed class VulkanStepReplayTests
{
    const int Sequences = 3, BatchSize = 4;

    static LoadedModel Load(string path) => LoadedModel.Load(path,
        new LoadOptions { Backend = "vulkan", BatchSize = BatchSize, ContextLength = 64, Parallel = Sequences }, VulkanTestDevice.Registry());

    // Every kind of step the graph takes, each shape more than once; the logits of each call in order.
    static List<float[]> Script(TransformerGraph graph)
    {
        int vocab = graph.VocabSize;
        var results = new List<float[]>();
        float[] Logits(int rows) { var logits = new float[rows * vocab]; results.Add(logits); return logits; }

        // A prompt of 9 tokens in chunks of 4, 4 and 1: the second chunk has the first's shape.
        graph.Forward([5, 17, 60, 3, 42, 9, 31, 8, 100], Logits(1));
        for (int t = 0; t < 6; t++) graph.Forward([(t * 37 + 11) % vocab], Logits(1));   // positions 9 .. 14
        for (int t = 0; t < 2; t++) graph.Forward([70, 71, 72, 73, 74 + t, 75, 76, 77], Logits(1));   // two chunks each
        for (int t = 0; t < 3; t++) graph.ForwardTop([(t * 13 + 2) % vocab], Logits(1), topK: 5, alwaysExact: [7]);
        for (int t = 0; t < 2; t++) graph.Forward([1 + t, 2 + t, 3 + t], Logits(3), allLogits: true);

        // Two more sequences: their prompts in one step, then steps of each one's next token.
        graph.ForwardBatch([new SequenceChunk(1, new[] { 4, 8 }, true), new SequenceChunk(2, new[] { 16, 23 }, true)], Logits(2));
        for (int t = 0; t < 3; t++)
            graph.ForwardBatch([new SequenceChunk(0, new[] { 40 + t }, true), new SequenceChunk(1, new[] { 50 + t }, true),
                                new SequenceChunk(2, new[] { 60 + t }, false)], Logits(2));
        return results;
    }

    [VulkanFact]
    public void ReplayedSteps_EqualIssuedSteps()
    {
        string path = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        using var issuing = Load(path);
        issuing.Graph.ReplaySteps = false;
        var expected = Script(issuing.Graph);
        Assert.Equal(0, issuing.Graph.ReplayedSteps);

        using var replaying = Load(path);
        var actual = Script(replaying.Graph);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].All(float.IsFinite), $"call {i}: issued logits not finite");
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"call {i}: replayed logits differ from issued ones");
        }
        // Every step but the first of each shape, except that the first prompt's submission uploads the RoPE table, so
        // none of its three chunks is kept: 5 of the 6 one-token steps, both chunks of the second 8-token prompt (in one
        // submission), 2 top-k steps, 1 all-logits step, 2 steps of three sequences.
        Assert.Equal(12, replaying.Graph.ReplayedSteps);
    }

    [VulkanFact]
    public void ReplayedSteps_EqualIssuedSteps_AcrossTheRopeTablesGrowth()
    {
        // One-token steps at positions 500 .. 523: the device's RoPE table holds 512 positions until a step needs more,
        // so the step recorded at 500 must not be replayed at 512 (it would read rotations the table lacks).
        string path = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S, contextLength: 1024);
        var (expected, _) = OneTokenStepsFrom500(path, replay: false);
        var (actual, replayed) = OneTokenStepsFrom500(path, replay: true);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"position {500 + i}: replayed logits differ from issued ones");
        // 501 .. 511 replay the step recorded at 500; 512 grows the table (that submission is not kept); 513 records
        // again, and 514 .. 523 replay it.
        Assert.Equal(11 + 10, replayed);
    }

    static (List<float[]> Logits, int Replayed) OneTokenStepsFrom500(string path, bool replay)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = "vulkan", BatchSize = 128, ContextLength = 600 }, VulkanTestDevice.Registry());
        var graph = model.Graph;
        graph.ReplaySteps = replay;
        int vocab = graph.VocabSize;
        graph.Forward(Enumerable.Range(0, 500).Select(i => (i * 7 + 3) % vocab).ToArray(), new float[vocab]);
        int replayedBefore = graph.ReplayedSteps;
        var results = new List<float[]>();
        for (int t = 0; t < 24; t++)
        {
            var logits = new float[vocab];
            graph.Forward([(t * 31 + 5) % vocab], logits);
            Assert.True(logits.All(float.IsFinite), $"position {500 + t}: logits not finite");
            results.Add(logits);
        }
        return (results, graph.ReplayedSteps - replayedBefore);
    }

    [VulkanFact]
    public void Inspect_TurnsReplayOff()
    {
        using var model = Load(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S));
        int named = 0;
        model.Graph.Inspect = (_, _, _) => named++;
        var logits = new float[model.Graph.VocabSize];
        model.Graph.Forward([5], logits);
        int perStep = named;
        model.Graph.Forward([6], logits);
        Assert.Equal(0, model.Graph.ReplayedSteps);
        Assert.Equal(2 * perStep, named);
    }
}
