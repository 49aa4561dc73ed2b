using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// One-token decode steps at different positions launch the same kernels with the same arguments — grids, groups,
/// buffers, scalars — so a step captured once (a CUDA graph) replays correctly at any later position: what changes from
/// step to step (the token, its position and sequence) reaches the kernels through the step's device buffer.
/// The tiny BitNet model of <see cref="IlgpuGraphTests"/> on ILGPU's CPU accelerator, with the fused operations.
/// </summary>
public sealed class IlgpuDecodeStepArgumentTests
{
    [Fact]
    public void DecodeSteps_AtDifferentPositions_LaunchTheSameKernelsWithTheSameArguments()
    {
        using var directory = new TempDirectory();
        using var file = IlgpuGraphTests.OpenTinyModel(directory);
        var model = ModelDescriptionReader.Read(file);
        using var backend = IlgpuAccelerators.CreateCpuBackend(portableReductions: true);
        using var graph = new TransformerGraph(model, backend, IlgpuGraphTests.Context, maxBatch: 8);
        var logits = new float[IlgpuGraphTests.Vocab];
        graph.Forward([3, 17], logits);

        var steps = new List<List<(string Kernel, object?[] Arguments)>>();
        foreach (int token in new[] { 29, 7, 11, 60 })   // positions 2 to 5
        {
            backend.LaunchLog = [];
            graph.Forward([token], logits);
            steps.Add(backend.LaunchLog);
        }
        backend.LaunchLog = null;

        var first = steps[0];
        Assert.NotEmpty(first);
        for (int s = 1; s < steps.Count; s++)
        {
            Assert.Equal(first.Count, steps[s].Count);
            for (int i = 0; i < first.Count; i++)
            {
                Assert.Equal(first[i].Kernel, steps[s][i].Kernel);
                for (int a = 0; a < first[i].Arguments.Length; a++)
                    Assert.True(Equals(first[i].Arguments[a], steps[s][i].Arguments[a]),
                        $"step at position {2 + s}, launch {i} ({first[i].Kernel}), argument {a}: {first[i].Arguments[a]} then {steps[s][i].Arguments[a]}");
            }
        }
    }
}
