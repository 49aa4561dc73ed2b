using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>
/// bench --profile on ILGPU (CPU accelerator, the tiny 2-layer model of <see cref="IlgpuGraphTests"/>): through the
/// profiling wrapper a decode step still runs the fused kernels (as many launches as without the wrapper), gives the same
/// logits bit for bit, and the profile names the fused operations instead of their parts.
/// </summary>
public sealed class IlgpuProfilingTests
{
    const int Layers = IlgpuGraphTests.Layers;

    [Fact]
    public void ProfiledDecodeStep_RunsTheFusedKernels_AndNamesThem()
    {
        using var directory = new TempDirectory();
        using var file = IlgpuGraphTests.OpenTinyModel(directory);
        var model = ModelDescriptionReader.Read(file);

        var (plainLogits, plainLaunches, _) = DecodeStep(model, profile: false);
        var (profiledLogits, profiledLaunches, profile) = DecodeStep(model, profile: true);

        Assert.Equal(plainLogits, profiledLogits);
        Assert.Contains(plainLogits, value => value != 0 && float.IsFinite(value));
        Assert.Equal(plainLaunches, profiledLaunches);   // the wrapper's own waits read a buffer; they launch nothing
        var calls = profile!.Entries.ToDictionary(e => e.Operation, e => e.Calls);
        Assert.Equal(Layers, calls["self_attention"]);
        Assert.Equal(Layers, calls["gate_norm_quantize"]);
        Assert.Equal(2 * Layers, calls["add_norm_quantize"]);
        Assert.DoesNotContain("rope", calls.Keys);
        Assert.DoesNotContain("quantize", calls.Keys);
        Assert.DoesNotContain("attention", calls.Keys);
    }

    static (float[] Logits, long Launches, OperationProfile? Profile) DecodeStep(ModelDescription model, bool profile)
    {
        using var backend = IlgpuAccelerators.CreateCpuBackend(portableReductions: true);
        using var profiler = new ProfilingBackend(backend);
        using var graph = new TransformerGraph(model, profile ? profiler : backend, contextLength: 8, maxBatch: 8);
        var logits = new float[IlgpuGraphTests.Vocab];
        graph.Forward([3, 17, 42], logits);
        logits.AsSpan().Fill(float.NaN);
        if (profile) profiler.Profile.Start();
        long before = backend.KernelLaunches;
        graph.Forward([29], logits);
        long launches = backend.KernelLaunches - before;
        profiler.Profile.Stop();
        return (logits, launches, profile ? profiler.Profile : null);
    }
}
