using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Tests.Engine.Backends;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// RoPE reads its rotations from a device table per (dimensions, base) that starts at 512 positions and grows when a
/// step reaches past it: positions on both sides of each growth match the reference, and a step that grows the table
/// still costs one submission.
/// </summary>
public sealed class VulkanRopeTableTests
{
    [VulkanFact]
    public void PositionsPastTheTable_GrowItAndMatchTheReference()
    {
        const int heads = 2, headDim = 64, tokens = 3;
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend();
        var random = new Random(71);
        foreach (int start in new[] { 5, 510, 9000, 20000, 17 })
        {
            var x = Enumerable.Range(0, tokens * heads * headDim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var expected = Rotate(reference, x, start);
            int submits = vulkan.SubmitCount;
            var actual = Rotate(vulkan, x, start);
            Assert.Equal(2, vulkan.SubmitCount - submits);   // the write and the read
            BackendOpsTests.AssertClose(expected, actual, 1e-5, $"RoPE at positions {start}..{start + tokens - 1}");
        }

        static float[] Rotate(Gpu.Engine.Backends.IComputeBackend b, float[] x, int start)
        {
            using var buffer = b.AllocateActivations(tokens, heads * headDim);
            b.Write(buffer, tokens, x);
            b.BeginStep(new int[tokens], start);
            b.Rope(buffer, tokens, heads, headDim, headDim, 500000f, RopeStyle.Interleaved);
            var result = new float[tokens * heads * headDim];
            b.Read(buffer, tokens, result);
            return result;
        }
    }
}
