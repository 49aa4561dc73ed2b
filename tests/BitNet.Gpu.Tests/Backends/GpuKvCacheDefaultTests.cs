using BitNet.Gpu.Backends.Ilgpu;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Backends.Vulkan;
using BitNet.Gpu.Tests.Engine.Graph;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends;

/// <summary>
/// The GPU backends keep the KV cache in f16 unless asked for f32 (as llama.cpp): the first of KvCacheTypes is what
/// --cache-type auto takes. A model loaded with no cache type on Vulkan gives exactly the f16 cache's logits, and
/// those agree with the CPU backend's f16 cache within the whole-model tolerance (GraphNumericsTests.AssertLogitsClose);
/// f32 stays available. The f16 cache's accuracy per backend is checked by IlgpuGraphTests and VulkanGraphTests.
/// </summary>
public sealed class GpuKvCacheDefaultTests
{
    [Fact]
    public void IlgpuDefaultsToF16AndKeepsF32()
    {
        using var backend = IlgpuAccelerators.CreateCpuBackend();
        Assert.Equal([KvCacheType.F16, KvCacheType.F32], backend.KvCacheTypes);
    }

    [VulkanFact]
    public void VulkanDefaultsToF16AndKeepsF32()
    {
        using var backend = VulkanTestDevice.CreateBackend();
        Assert.Equal([KvCacheType.F16, KvCacheType.F32], backend.KvCacheTypes);
    }

    [VulkanFact]
    public void VulkanWithNoCacheTypeComputesTheF16CachesLogits()
    {
        string path = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);
        var random = new Random(11);
        var tokens = Enumerable.Range(0, 13).Select(_ => random.Next(512)).ToArray();
        var registry = VulkanTestDevice.Registry();

        float[] Logits(string backend, KvCacheType? cacheType)
        {
            using var model = LoadedModel.Load(path, new LoadOptions { Backend = backend, BatchSize = 5, ContextLength = 64, CacheType = cacheType }, registry);
            var logits = new float[tokens.Length * model.Graph.VocabSize];
            Array.Fill(logits, float.NaN); // an unwritten logit fails every comparison below
            model.Graph.Forward(tokens, logits, allLogits: true);
            return logits;
        }

        var byDefault = Logits("vulkan", null);
        Assert.Equal(Logits("vulkan", KvCacheType.F16), byDefault);
        GraphNumericsTests.AssertLogitsClose(Logits("cpu", KvCacheType.F16), byDefault, "vulkan's default cache vs cpu's f16 cache");
        GraphNumericsTests.AssertLogitsClose(Logits("cpu", KvCacheType.F32), Logits("vulkan", KvCacheType.F32), "vulkan vs cpu, f32 caches");
    }
}
