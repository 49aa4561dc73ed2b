using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// Kernel launches of one one-token decode step of the tiny BitNet model (<see cref="IlgpuGraphTests"/>, 2 layers) on
/// ILGPU's CPU accelerator, with the fused operations and without them (an <see cref="TransformerGraph.Inspect"/> hook
/// turns fusion off). Measured 2026-12-05: 10 launches per layer fused, 20 unfused (23 before
/// q/k/v and gate/up became one launch each); outside the layers the step launches
/// the embedding, the output norm and the output projection, and fused also the last layer's held-back residual add.
/// </summary>
public sealed class IlgpuLaunchCountTests
{
    const int Layers = 2;

    [Fact]
    public void OneTokenDecodeStep_LaunchesTenKernelsPerLayerFused_TwentyUnfused()
    {
        using var directory = new TempDirectory();
        using var file = IlgpuGraphTests.OpenTinyModel(directory);
        var model = ModelDescriptionReader.Read(file);

        // per layer: add+norm+quantize, q/k/v, rope+store, attention partial, combine+sub-norm+quantize, o,
        // add+norm+quantize, gate/up, gate+sub-norm+quantize, down
        Assert.Equal(Layers * 10 + 4, DecodeStepLaunches(model, inspect: false));
        // per layer: norm, quantize, q/k/v, rope q, rope k, store, partial, combine, sub-norm, quantize, o, add,
        // norm, quantize, gate/up, activation, sub-norm, quantize, down, add (23 before the stacked products)
        Assert.Equal(Layers * 20 + 3, DecodeStepLaunches(model, inspect: true));
    }

    static long DecodeStepLaunches(ModelDescription model, bool inspect)
    {
        using var backend = IlgpuAccelerators.CreateCpuBackend(portableReductions: true);
        using var graph = new TransformerGraph(model, backend, contextLength: 8, maxBatch: 8);
        if (inspect) graph.Inspect = (_, _, _) => { };
        var logits = new float[IlgpuGraphTests.Vocab];
        graph.Forward([3, 17, 42], logits);
        long before = backend.KernelLaunches;
        graph.Forward([29], logits);
        return backend.KernelLaunches - before;
    }
}
