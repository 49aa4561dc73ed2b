using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// Shapes the op suite leaves out of attention.comp's workgroup layout: more query heads per kv head than one workgroup
/// holds (12 per kv head: two workgroups of 6), the largest head size (256), and a prompt of several tiles followed by a
/// one-token step whose positions are split 32 ways (most splits several tiles long, some shorter): the outputs match the
/// reference, output poisoned with NaN first.
/// </summary>
public sealed class VulkanAttentionSplitTests
{
    [VulkanTheory]
    [InlineData(12, 1, 256, KvCacheType.F32)]
    [InlineData(12, 1, 256, KvCacheType.F16)]
    [InlineData(16, 2, 64, KvCacheType.F32)]
    public void ManyQueryHeadsPerKvHead_AndSplitPositions_MatchTheReference(int heads, int kvHeads, int headDim, KvCacheType type)
    {
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend();
        var random = new Random(heads * 1000 + headDim);
        foreach (var (start, count) in new[] { (0, 150), (150, 1), (151, 1) })
        {
            var q = Values(random, count * heads * headDim);
            var k = Values(random, count * kvHeads * headDim);
            var v = Values(random, count * kvHeads * headDim);
            var expected = Run(reference, start, count, q, k, v);
            var actual = Run(vulkan, start, count, q, k, v);
            BackendOpsTests.AssertClose(expected, actual, 1e-4, $"attention {heads}/{kvHeads}×{headDim} {type}, {count} tokens at {start}");
        }

        float[] Run(IComputeBackend b, int start, int count, float[] q, float[] k, float[] v)
        {
            var state = b == (IComputeBackend)reference ? _referenceState ??= new State(b, heads, kvHeads, headDim, type)
                                                          : _vulkanState ??= new State(b, heads, kvHeads, headDim, type);
            b.Write(state.Q, count, q);
            b.Write(state.K, count, k);
            b.Write(state.V, count, v);
            b.Write(state.Output, count, Enumerable.Repeat(float.NaN, count * heads * headDim).ToArray());
            b.BeginStep(new int[count], start);
            b.Attention(state.Q, state.K, state.V, state.Cache, 0, state.Output, count, heads, kvHeads, headDim);
            var result = new float[count * heads * headDim];
            b.Read(state.Output, count, result);
            return result;
        }
    }

    State? _referenceState, _vulkanState;

    sealed class State(IComputeBackend b, int heads, int kvHeads, int headDim, KvCacheType type)
    {
        public readonly DeviceBuffer Q = b.AllocateActivations(150, heads * headDim), Output = b.AllocateActivations(150, heads * headDim);
        public readonly DeviceBuffer K = b.AllocateActivations(150, kvHeads * headDim), V = b.AllocateActivations(150, kvHeads * headDim);
        public readonly KvCache Cache = b.AllocateKvCache(1, 1, 160, kvHeads, headDim, type);
    }

    static float[] Values(Random random, int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}
