using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Ilgpu.StepGraphs;

/// <summary>
/// Step graphs through the whole transformer graph: the tiny BitNet model of <see cref="IlgpuGraphTests"/> on ILGPU's
/// CPU accelerator, which replays a captured step launch by launch (what a CUDA graph replays in one launch). The
/// logits of every step must be bit for bit those of the same backend without step graphs, whether the step replayed
/// or issued its operations.
/// </summary>
public sealed class IlgpuStepGraphTests
{
    static readonly int[] Generated = [29, 7, 11, 60, 5, 42];

    [Fact]
    public void DecodeSteps_ReplayTheFirstOnesGraph_WithTheLogitsOfPlainLaunches()
    {
        using var directory = new TempDirectory();
        using var file = IlgpuGraphTests.OpenTinyModel(directory);
        var model = ModelDescriptionReader.Read(file);

        var plain = Decode(model, stepGraphs: false, allocateBefore: -1, out _);
        var graphs = Decode(model, stepGraphs: true, allocateBefore: -1, out var counters);

        for (int s = 0; s < plain.Count; s++) Assert.Equal(plain[s], graphs[s]);
        Assert.Equal(Generated.Length - 1, counters.Replayed);   // every decode step after the first
        Assert.Equal(Generated.Length - 1, counters.GraphReplayed);
    }

    [Fact]
    public void ABufferAllocatedBetweenSteps_DropsTheGraphs_AndTheNextStepIsRecordedAgain()
    {
        using var directory = new TempDirectory();
        using var file = IlgpuGraphTests.OpenTinyModel(directory);
        var model = ModelDescriptionReader.Read(file);

        var plain = Decode(model, stepGraphs: false, allocateBefore: 3, out _);
        var graphs = Decode(model, stepGraphs: true, allocateBefore: 3, out var counters);

        for (int s = 0; s < plain.Count; s++) Assert.Equal(plain[s], graphs[s]);
        Assert.True(counters.Dropped >= 1, $"{counters}");
        Assert.Equal(Generated.Length - 2, counters.Replayed);   // steps 1, 2, 4 and 5: step 3 records again
    }

    [Fact]
    public void TheDeviceDescription_SaysWhetherStepGraphsAreOn()
    {
        using var graphs = IlgpuAccelerators.CreateCpuBackend(IlgpuAccelerators.SimulatedGpu, stepGraphs: true);
        Assert.Contains("step graphs", graphs.DeviceDescription);
        using var plain = IlgpuAccelerators.CreateCpuBackend();
        Assert.DoesNotContain("step graphs", plain.DeviceDescription);
    }

    /// <summary>A 2-token prompt, then one step per generated token, each step's logits; before step
    /// <paramref name="allocateBefore"/> a buffer is allocated on the device (−1: none).</summary>
    static List<float[]> Decode(ModelDescription model, bool stepGraphs, int allocateBefore,
                                out (int Replayed, long GraphReplayed, long Dropped) counters)
    {
        using var backend = IlgpuAccelerators.CreateCpuBackend(IlgpuAccelerators.SimulatedGpu, portableReductions: true, stepGraphs);
        using var graph = new TransformerGraph(model, backend, IlgpuGraphTests.Context, maxBatch: 8);
        var steps = new List<float[]>();
        var logits = new float[IlgpuGraphTests.Vocab];
        graph.Forward([3, 17], logits);
        steps.Add((float[])logits.Clone());
        using var extra = new DisposableList();
        for (int s = 0; s < Generated.Length; s++)
        {
            if (s == allocateBefore) extra.Add(backend.AllocateActivations(1, 64));
            graph.Forward([Generated[s]], logits);
            steps.Add((float[])logits.Clone());
        }
        var capture = backend.StepGraphs;
        counters = (graph.ReplayedSteps, capture?.Replayed ?? 0, capture?.Dropped ?? 0);
        return steps;
    }

    sealed class DisposableList : List<IDisposable>, IDisposable
    {
        public void Dispose() => ForEach(d => d.Dispose());
    }
}
